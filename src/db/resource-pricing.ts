import type { Catalog } from "../catalog/load-catalog.js";
import type { Price } from "../domain/pricing.js";
import type { Queryable } from "./database.js";
import { execute, rows, sqlb } from "./typed.js";

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
    await execute(
      db,
      sqlb
        .insertInto("ktrlplane.resource_pricing")
        .values({
          resource_type: price.resource_type,
          sku: price.sku,
          billing_model: price.billing_model,
          unit_amount: price.unit_amount,
          currency: price.currency,
          stripe_price_id: price.stripe_price_id ?? null,
          definition: JSON.stringify(price),
          archived: false,
          updated_at: at,
        })
        .onConflict((oc) =>
          oc.columns(["resource_type", "sku"]).doUpdateSet((eb) => ({
            billing_model: eb.ref("excluded.billing_model"),
            unit_amount: eb.ref("excluded.unit_amount"),
            currency: eb.ref("excluded.currency"),
            stripe_price_id: eb.ref("excluded.stripe_price_id"),
            definition: eb.ref("excluded.definition"),
            archived: false,
            updated_at: eb.ref("excluded.updated_at"),
          })),
        ),
    );
  }
  const stored = await rows(
    db,
    sqlb.selectFrom("ktrlplane.resource_pricing").select(["resource_type", "sku", "definition"]),
  );
  const all = new Map<string, Price>();
  for (const row of stored) {
    const current = catalog.prices.get(`${row.resource_type}/${row.sku}`);
    if (!current) {
      await execute(
        db,
        sqlb
          .updateTable("ktrlplane.resource_pricing")
          .set({ archived: true, updated_at: at })
          .where("resource_type", "=", row.resource_type)
          .where("sku", "=", row.sku)
          .where("archived", "=", false),
      );
    }
    // Stored by this function from a validated catalog entry.
    all.set(`${row.resource_type}/${row.sku}`, current ?? (row.definition as unknown as Price));
  }
  return all;
}
