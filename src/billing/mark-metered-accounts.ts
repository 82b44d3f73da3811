import type { AppContext } from "../context.js";
import { markAccountsChanged } from "../db/ledger.js";
import { accountsWithMeteredPrices } from "../db/metered-accounts.js";
import { takeUsageChanges } from "../db/usage-changes.js";
import { calendarMonthOf } from "../domain/billing-period.js";
import { meteredGraceMs } from "./desired-account.js";

/**
 * Usage does not mark accounts (ingestion must stay a bulk insert): it notes its resources as
 * changed (usage-changes.ts), and a provider that is sent usage — Stripe's meters — learns of it
 * from this round. Each resource whose usage changed since the last round marks the accounts it
 * was billed to for a metered price in the open month (or in the month that closed less than the
 * grace hour ago, whose usage Stripe still takes), and their next pass sends what the ledger holds
 * beyond what the provider was sent. Accounts without new usage are not marked: their provider
 * already has it. The changes are taken and the accounts marked in one transaction, so a crash
 * leaves either the changes for the next round or the marks for the next pass. Returns how many
 * accounts were marked.
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
  let marked = 0;
  for (;;) {
    const accounts = await ctx.db.transaction(async (tx) => {
      const resourceIds = await takeUsageChanges({ db: tx, limit: 500 });
      if (resourceIds.length === 0) return undefined;
      const accountIds = await accountsWithMeteredPrices({
        db: tx,
        metered: [...metered.values()],
        resourceIds,
        since,
      });
      await markAccountsChanged({ db: tx, accountIds });
      return accountIds.length;
    });
    if (accounts === undefined) return marked;
    marked += accounts;
  }
}
