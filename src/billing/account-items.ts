import type { Queryable } from "../db/database.js";
import { activeQuantitiesOfAccounts } from "../db/ledger.js";
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

/**
 * Per account, one item per price with quantity = the account's active resources of that price;
 * one statement for all the accounts.
 */
export async function accountsItems(options: {
  db: Queryable;
  prices: Map<string, Price>;
  billingAccountIds: string[];
}): Promise<Map<string, AccountItem[]>> {
  const quantities = await activeQuantitiesOfAccounts({
    db: options.db,
    billingAccountIds: options.billingAccountIds,
  });
  const items = new Map<string, AccountItem[]>();
  for (const { billing_account_id, resource_type, sku, quantity } of quantities) {
    const price = options.prices.get(priceKey({ resource_type, sku }));
    if (!price) throw new Error(`no price ${resource_type}/${sku}`);
    const item: AccountItem = {
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
    items.set(billing_account_id, [...(items.get(billing_account_id) ?? []), item]);
  }
  return items;
}
