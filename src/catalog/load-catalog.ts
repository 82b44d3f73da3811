import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { AppError } from "../domain/errors.js";
import type { Meter } from "../domain/meter.js";
import { isCurrency } from "../domain/money.js";
import { type Price, priceKey, validatePrice } from "../domain/pricing.js";
import { parseMeters } from "./meters.js";

export interface ResourceType {
  type: string;
  name: string;
  skus: Price[];
}

export interface Catalog {
  currency: string;
  resourceTypes: ResourceType[];
  /** Every price the ledger may refer to, archived ones included, by `priceKey`. */
  prices: Map<string, Price>;
  /** Usage meters by event name. */
  meters: Map<string, Meter>;
}

const slug = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "lowercase letters, digits, _ and -");

// Extra fields are allowed (the catalog is shared with other tools); the price itself is checked
// by the domain so that the API and the file obey the same rules.
const fileSchema = z.looseObject({
  currency: z.string().refine((c) => isCurrency(c.toLowerCase()), "unknown ISO 4217 currency"),
  resource_types: z
    .array(
      z.looseObject({
        type: slug,
        name: z.string().min(1).max(200),
        skus: z.array(z.looseObject({ sku: slug })).min(1),
      }),
    )
    .min(1),
});

export function parseCatalog(options: { json: unknown; source: string }): Catalog {
  const parsed = fileSchema.safeParse(options.json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `Catalog ${options.source}: ${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`,
    );
  }
  const currency = parsed.data.currency.toLowerCase();
  const prices = new Map<string, Price>();
  const resourceTypes = parsed.data.resource_types.map((resourceType, typeIndex) => {
    const skus = resourceType.skus.map((sku, skuIndex) => {
      try {
        const price = validatePrice({
          interval: "month",
          ...sku,
          resource_type: resourceType.type,
          currency,
        });
        if (prices.has(priceKey(price))) throw new Error(`duplicate price ${priceKey(price)}`);
        prices.set(priceKey(price), price);
        return price;
      } catch (error) {
        const field = error instanceof AppError && error.field ? `.${error.field}` : "";
        throw new Error(
          `Catalog ${options.source}: resource_types.${typeIndex}.skus.${skuIndex}${field}: ${(error as Error).message}`,
        );
      }
    });
    return { type: resourceType.type, name: resourceType.name, skus };
  });
  const meters = parseMeters({ json: options.json, prices, source: options.source });
  return { currency, resourceTypes, prices, meters };
}

export async function loadCatalogFile(path: string): Promise<Catalog> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new Error(`Catalog ${path}: cannot be read (${(error as NodeJS.ErrnoException).code})`);
  }
  const isYaml = /\.ya?ml$/i.test(path);
  let json: unknown;
  try {
    json = isYaml ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new Error(
      `Catalog ${path}: not valid ${isYaml ? "YAML" : "JSON"} (${(error as Error).message})`,
    );
  }
  return parseCatalog({ json, source: path });
}
