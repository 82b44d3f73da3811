import type { Catalog } from "../catalog/load-catalog.js";
import type { BillingAccountRow } from "../db/billing-accounts.js";
import type { Queryable } from "../db/database.js";
import { activeQuantities } from "../db/ledger.js";
import { priceKey } from "../domain/pricing.js";
import type { DesiredAccount } from "../providers/billing-provider.js";

/**
 * What a provider should hold for the account, read from the ledger: one item per price billed
 * by quantity. Free prices cost nothing anywhere, and metered ones are charged from usage.
 */
export async function desiredAccount(options: {
  db: Queryable;
  catalog: Catalog;
  account: BillingAccountRow;
  version: number;
}): Promise<DesiredAccount> {
  const { db, catalog, account, version } = options;
  const items = [];
  for (const q of await activeQuantities({ db, billingAccountId: account.id })) {
    const price = catalog.prices.get(priceKey(q));
    if (!price) throw new Error(`no price ${priceKey(q)}`);
    if (price.billing_model === "per_unit" || price.billing_model === "tiered") {
      items.push({ price, quantity: q.quantity });
    }
  }
  return { account, items, version };
}
