import type { AppContext } from "../context.js";
import type { BillingAccountRow } from "../db/billing-accounts.js";
import type { Queryable } from "../db/database.js";
import { calendarMonthOf } from "../domain/billing-period.js";
import { priceVersion } from "../domain/price-versions.js";
import type { DesiredAccount } from "../providers/billing-provider.js";
import { activeItems } from "./account-items.js";
import { meteredCharges } from "./metered-usage.js";

/**
 * How long after a month ends its usage may still reach the provider's invoice: Stripe keeps a
 * renewal invoice a draft for an hour and takes the previous period's usage until it finalizes
 * (https://docs.stripe.com/billing/subscriptions/usage-based/configure-grace-period).
 */
export const meteredGraceMs = 3_600_000;

/**
 * What a provider should hold for the account, read from the ledger: one item per price version
 * billed by quantity (each version is its own provider price), every interval at the version it
 * is billed at now — so at a version's `effective_from` the items move. Free prices cost nothing
 * anywhere; metered ones are charged from usage, which `metered` carries per line.
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
  // The local provider bills usage from the ledger itself: nothing to send it.
  if (ctx.provider.name === "local") return { account, items, version };
  const now = ctx.clock();
  const month = calendarMonthOf(now);
  const from =
    now.getTime() - month.start.getTime() < meteredGraceMs
      ? calendarMonthOf(new Date(month.start.getTime() - 1)).start
      : month.start;
  const metered: NonNullable<DesiredAccount["metered"]> = [];
  const charges = await meteredCharges({
    ctx,
    db,
    billingAccountIds: [account.id],
    from,
    to: month.end,
  });
  for (const line of charges.lines) {
    const { price } = priceVersion(ctx.catalog.prices, line, line.price_version);
    const meter = price.meter ? ctx.catalog.meters.get(price.meter.event_name) : undefined;
    if (!meter) continue;
    metered.push({
      price,
      priceVersion: line.price_version,
      meter,
      period: line.period,
      quantity: line.usage_quantity ?? "0",
    });
  }
  return { account, items, metered, version };
}
