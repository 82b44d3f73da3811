import type { AppContext } from "../context.js";
import { markAccountsChanged } from "../db/ledger.js";
import { accountsWithMeteredPrices } from "../db/metered-accounts.js";
import { calendarMonthOf } from "../domain/billing-period.js";
import { meteredGraceMs } from "./desired-account.js";

/**
 * Usage does not mark accounts (ingestion must stay a bulk insert), so a provider that is sent
 * usage — Stripe's meters — learns of it from this round: every account billed for a metered
 * price in the open month (or in the month that closed less than the grace hour ago) is marked,
 * and its next pass sends what the ledger holds beyond what the provider was sent. Returns how
 * many accounts were marked.
 */
export async function markMeteredAccounts(options: { ctx: AppContext }): Promise<number> {
  const { ctx } = options;
  const metered = new Map<string, { resource_type: string; sku: string }>();
  for (const versions of ctx.catalog.prices.values()) {
    for (const { price } of versions) {
      if (price.billing_model === "metered")
        metered.set(`${price.resource_type}/${price.sku}`, price);
    }
  }
  if (metered.size === 0) return 0;
  const now = ctx.clock();
  const since = calendarMonthOf(new Date(now.getTime() - meteredGraceMs)).start;
  let after: string | undefined;
  let marked = 0;
  for (;;) {
    const page = await accountsWithMeteredPrices({
      db: ctx.db,
      metered: [...metered.values()],
      since,
      ...(after ? { after } : {}),
      limit: 500,
    });
    if (page.length === 0) return marked;
    await markAccountsChanged({ db: ctx.db, accountIds: page });
    marked += page.length;
    after = page.at(-1);
  }
}
