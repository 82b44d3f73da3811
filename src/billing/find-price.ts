import type { Catalog } from "../catalog/load-catalog.js";
import { AppError } from "../domain/errors.js";
import type { Price } from "../domain/pricing.js";

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
