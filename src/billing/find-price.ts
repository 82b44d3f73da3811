import type { Catalog } from "../catalog/load-catalog.js";
import type { AppContext } from "../context.js";
import type { Queryable } from "../db/database.js";
import { loadPriceBook } from "../db/resource-pricing.js";
import { AppError } from "../domain/errors.js";
import type { PriceBook } from "../domain/price-versions.js";
import { type Price, priceKey } from "../domain/pricing.js";

/** The price a new resource would be billed at; only what the catalog offers today. */
export function findPrice(options: { catalog: Catalog; resourceType: string; sku: string }): Price {
  const { catalog, resourceType, sku } = options;
  const type = catalog.resourceTypes.find((t) => t.type === resourceType);
  if (!type) {
    throw new AppError({
      code: "unknown_resource_type",
      message: `Unknown resource type "${resourceType}"; see GET /v1/resource-types`,
      field: "resource_type",
    });
  }
  const price = type.skus.find((p) => p.sku === sku);
  if (!price) {
    throw new AppError({
      code: "unknown_sku",
      message: `Resource type "${resourceType}" has no SKU "${sku}" (it has ${type.skus.map((p) => p.sku).join(", ")})`,
      field: "sku",
    });
  }
  return price;
}

export function isPaid(price: Price): boolean {
  return price.billing_model !== "free";
}

/**
 * The price book, sure to hold every (price, version) in `refs`: another process may have
 * recorded a newer version at its start since this one read the book, so a miss reloads it.
 */
export async function priceBookFor(options: {
  ctx: AppContext;
  db: Queryable;
  refs: Iterable<{ resource_type: string; sku: string; price_version: number }>;
}): Promise<PriceBook> {
  const { ctx } = options;
  for (const ref of options.refs) {
    const versions = ctx.catalog.prices.get(priceKey(ref));
    if (!versions?.some((v) => v.version === ref.price_version)) {
      ctx.catalog.prices = (await loadPriceBook({ db: options.db })).prices;
      break;
    }
  }
  return ctx.catalog.prices;
}
