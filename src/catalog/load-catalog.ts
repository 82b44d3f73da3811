import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { AppError } from "../domain/errors.js";
import type { Meter } from "../domain/meter.js";
import { isCurrency } from "../domain/money.js";
import { type PriceBook, type PriceSchedule, priceBookOf } from "../domain/price-versions.js";
import { type Price, priceKey, validatePrice } from "../domain/pricing.js";
import { parseMeters } from "./meters.js";

export interface ResourceType {
  type: string;
  name: string;
  /** The prices offered, as the file states them (the latest version of each). */
  skus: Price[];
}

export interface Catalog {
  currency: string;
  resourceTypes: ResourceType[];
  /**
   * Every version of every price the ledger may refer to, archived ones included, by `priceKey`.
   * From the file alone each price has one version; at start `storePriceVersions` replaces this
   * with the stored history, the file's definitions being the latest versions.
   */
  prices: PriceBook;
  /** How each changed price reaches existing resources, as the file states it (by `priceKey`). */
  schedules: Map<string, PriceSchedule>;
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
  const schedules = new Map<string, PriceSchedule>();
  const resourceTypes = parsed.data.resource_types.map((resourceType, typeIndex) => {
    const skus = resourceType.skus.map((sku, skuIndex) => {
      try {
        // A price in another currency would be billed as the catalog's: refused, not overridden.
        if (
          sku.currency !== undefined &&
          sku.currency !== null &&
          (typeof sku.currency !== "string" || sku.currency.toLowerCase() !== currency)
        ) {
          throw new AppError({
            code: "validation_failed",
            message: `currency ${JSON.stringify(sku.currency)} differs from the catalog's ${currency}: every price of a catalog is billed in its currency`,
            field: "currency",
          });
        }
        const price = validatePrice({
          interval: "month",
          ...sku,
          resource_type: resourceType.type,
          currency,
        });
        if (prices.has(priceKey(price))) throw new Error(`duplicate price ${priceKey(price)}`);
        prices.set(priceKey(price), price);
        schedules.set(priceKey(price), readSchedule(sku));
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
  for (const price of prices.values()) recordMeterScale({ price, meters });
  return { currency, resourceTypes, prices: priceBookOf(prices.values()), schedules, meters };
}

/**
 * A metered price states its meter's `decimals` in its own definition (when not 0, so that a
 * price on a whole-number meter is defined as it always was). A provider that takes whole numbers
 * bills a price at the scale fixed when its own price was created — Stripe's prices are immutable
 * (https://docs.stripe.com/products-prices/manage-prices), and events already sent carry the old
 * scale — so a changed `decimals` could otherwise reach only the price's next version, whenever
 * that came. Part of the definition, it makes that version now: new resources take it at once and
 * existing ones move at the price's `effective_from` (default: the next period) or never
 * (`grandfathered`), like any price change, each version on a Stripe price of its own scale; what
 * is already billed keeps the version it was billed at. A price naming its `stripe_price_id` is
 * billed at that Stripe price's scale (its metadata), whatever the meter says: nothing to state.
 */
function recordMeterScale(options: { price: Price; meters: Map<string, Meter> }): void {
  const { price, meters } = options;
  if (!price.meter || price.stripe_price_id) return;
  const decimals = meters.get(price.meter.event_name)?.decimals ?? 0;
  if (decimals > 0) price.meter = { ...price.meter, decimals };
}

/** `effective_from` (an ISO 8601 instant with its offset) and `grandfathered` of one entry. */
function readSchedule(sku: Record<string, unknown>): PriceSchedule {
  const schedule: PriceSchedule = {};
  const { effective_from, grandfathered } = sku;
  if (grandfathered !== undefined && grandfathered !== null) {
    if (typeof grandfathered !== "boolean") {
      throw new AppError({
        code: "validation_failed",
        message: "grandfathered must be true or false",
        field: "grandfathered",
      });
    }
    if (grandfathered) schedule.grandfathered = true;
  }
  if (effective_from !== undefined && effective_from !== null) {
    const at =
      effective_from instanceof Date
        ? effective_from
        : typeof effective_from === "string" &&
            /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(
              effective_from,
            )
          ? new Date(effective_from)
          : undefined;
    if (!at || Number.isNaN(at.getTime())) {
      throw new AppError({
        code: "validation_failed",
        message:
          "effective_from must be an ISO 8601 instant with its offset, e.g. 2027-01-01T00:00:00Z",
        field: "effective_from",
      });
    }
    if (schedule.grandfathered) {
      throw new AppError({
        code: "validation_failed",
        message:
          "grandfathered (existing resources never move) and effective_from (they move then) contradict each other",
        field: "effective_from",
      });
    }
    schedule.effective_from = at;
  }
  return schedule;
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
