import type { AppContext } from "../context.js";
import type { BillingAccountRow } from "../db/billing-accounts.js";
import type { Queryable } from "../db/database.js";
import { priceVersion } from "../domain/price-versions.js";
import type { DesiredAccount } from "../providers/billing-provider.js";
import { activeItems } from "./account-items.js";

/**
 * What a provider should hold for the account, read from the ledger: one item per price version
 * billed by quantity (each version is its own provider price), every interval at the version it
 * is billed at now — so at a version's `effective_from` the items move. Free prices cost nothing
 * anywhere, and metered ones are charged from usage.
 */
export async function desiredAccount(options: {
  ctx: AppContext;
  db: Queryable;
  account: BillingAccountRow;
  version: number;
}): Promise<DesiredAccount> {
  const { ctx, db, account, version } = options;
  const items = [];
  for (const q of await activeItems({ ctx, db, billingAccountId: account.id, at: ctx.clock() })) {
    const { price } = priceVersion(ctx.catalog.prices, q, q.price_version);
    if (price.billing_model === "per_unit" || price.billing_model === "tiered") {
      items.push({ price, priceVersion: q.price_version, quantity: q.quantity });
    }
  }
  return { account, items, version };
}
