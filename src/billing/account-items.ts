import type { Queryable } from "../db/database.js";
import { activeQuantities } from "../db/ledger.js";
import { type Price, periodAmount, priceKey } from "../domain/pricing.js";

export interface AccountItem {
  resource_type: string;
  sku: string;
  quantity: number;
  /** Null for tiered prices, whose unit price depends on the quantity. */
  unit_amount: number | null;
  /** The full-period amount at the current quantity, tiers applied. */
  amount: number;
}

/** One item per price with quantity = the account's active resources of that price. */
export async function accountItems(options: {
  db: Queryable;
  prices: Map<string, Price>;
  billingAccountId: string;
}): Promise<AccountItem[]> {
  const quantities = await activeQuantities({
    db: options.db,
    billingAccountId: options.billingAccountId,
  });
  return quantities.map(({ resource_type, sku, quantity }) => {
    const price = options.prices.get(priceKey({ resource_type, sku }));
    if (!price) throw new Error(`no price ${resource_type}/${sku}`);
    return {
      resource_type,
      sku,
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
