import type { Catalog } from "../catalog/load-catalog.js";
import type { Price } from "../domain/pricing.js";
import type { Queryable } from "./database.js";

/**
 * Mirrors the catalog into `resource_pricing`. Prices gone from the file are archived, and the
 * returned map keeps them, because intervals already billed at them must still be priced.
 */
export async function storeCatalog(options: {
  db: Queryable;
  catalog: Catalog;
  at: Date;
}): Promise<Map<string, Price>> {
  const { db, catalog, at } = options;
  for (const price of catalog.prices.values()) {
    await db.query(
      `INSERT INTO ktrlplane.resource_pricing
         (resource_type, sku, billing_model, unit_amount, currency, stripe_price_id, definition, archived, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, false, $8)
       ON CONFLICT (resource_type, sku) DO UPDATE SET
         billing_model = EXCLUDED.billing_model, unit_amount = EXCLUDED.unit_amount,
         currency = EXCLUDED.currency, stripe_price_id = EXCLUDED.stripe_price_id,
         definition = EXCLUDED.definition, archived = false, updated_at = EXCLUDED.updated_at`,
      [
        price.resource_type,
        price.sku,
        price.billing_model,
        price.unit_amount,
        price.currency,
        price.stripe_price_id ?? null,
        JSON.stringify(price),
        at,
      ],
    );
  }
  const rows = await db.query<{ resource_type: string; sku: string; definition: Price }>(
    "SELECT resource_type, sku, definition FROM ktrlplane.resource_pricing",
  );
  const all = new Map<string, Price>();
  for (const row of rows) {
    const current = catalog.prices.get(`${row.resource_type}/${row.sku}`);
    if (!current) {
      await db.query(
        "UPDATE ktrlplane.resource_pricing SET archived = true, updated_at = $3 WHERE resource_type = $1 AND sku = $2 AND NOT archived",
        [row.resource_type, row.sku, at],
      );
    }
    all.set(`${row.resource_type}/${row.sku}`, current ?? row.definition);
  }
  return all;
}
