import type { AppContext } from "../context.js";
import type { Queryable } from "../db/database.js";
import { activeQuantities } from "../db/ledger.js";
import { priceVersion, versionAt } from "../domain/price-versions.js";
import { periodAmount, priceKey } from "../domain/pricing.js";
import { priceBookFor } from "./find-price.js";

export interface AccountItem {
  resource_type: string;
  sku: string;
  /** The price version these resources are billed at now. */
  price_version: number;
  quantity: number;
  /** Null for tiered prices, whose unit price depends on the quantity. */
  unit_amount: number | null;
  /** The full-period amount at the current quantity, tiers applied. */
  amount: number;
}

/**
 * Active quantity per price version on an account, each interval at the version it is billed at
 * `at` (a move that is due counts even before the pass has cut the ledger).
 */
export async function activeItems(options: {
  ctx: AppContext;
  db: Queryable;
  billingAccountId: string;
  at: Date;
}): Promise<{ resource_type: string; sku: string; price_version: number; quantity: number }[]> {
  const { ctx, db, at } = options;
  const recorded = await activeQuantities({ db, billingAccountId: options.billingAccountId });
  const book = await priceBookFor({ ctx, db, refs: recorded });
  const merged = new Map<
    string,
    { resource_type: string; sku: string; price_version: number; quantity: number }
  >();
  for (const q of recorded) {
    const version = versionAt({ book, ref: q, version: q.price_version, at });
    const key = `${priceKey(q)}#${version}`;
    const item = merged.get(key);
    if (item) item.quantity += q.quantity;
    else merged.set(key, { ...q, price_version: version });
  }
  return [...merged.values()];
}

/** One item per price version with quantity = the account's active resources billed at it. */
export async function accountItems(options: {
  ctx: AppContext;
  db: Queryable;
  billingAccountId: string;
}): Promise<AccountItem[]> {
  const { ctx, db } = options;
  const items = await activeItems({ ...options, at: ctx.clock() });
  return items.map(({ resource_type, sku, price_version, quantity }) => {
    const { price } = priceVersion(ctx.catalog.prices, { resource_type, sku }, price_version);
    return {
      resource_type,
      sku,
      price_version,
      quantity,
      unit_amount:
        price.billing_model === "tiered"
          ? null
          : price.billing_model === "free"
            ? 0
            : price.unit_amount,
      amount: periodAmount({ price, quantity }),
    };
  });
}
