import type { AppContext } from "../context.js";
import type { Queryable } from "../db/database.js";
import { meteredUsageRows } from "../db/metered-usage.js";
import { calendarMonthOf, monthsOverlapping } from "../domain/billing-period.js";
import type { Charges } from "../domain/charges.js";
import type { Aggregation } from "../domain/meter.js";
import { computeMeteredCharges, type MeteredUsage } from "../domain/metered-charges.js";
import { priceVersion, versionAt } from "../domain/price-versions.js";
import { priceKey } from "../domain/pricing.js";
import { priceBookFor } from "./find-price.js";

/**
 * The metered usage of the accounts in [from, to): per resource, account, price version and month,
 * the aggregate of the meter that version bills. A stretch is billed at the version in force at
 * its start in the month (moves take effect at period starts by default; the pass cuts the ledger
 * at any other instant, which starts a stretch of its own).
 */
export async function meteredUsage(options: {
  ctx: AppContext;
  db: Queryable;
  billingAccountIds: string[];
  from: Date;
  to: Date;
  /** Only these prices (default: every metered price of the catalog). */
  prices?: { resource_type: string; sku: string }[] | undefined;
}): Promise<MeteredUsage[]> {
  const { ctx, db, from, to } = options;
  const only = options.prices && new Set(options.prices.map(priceKey));
  const metered = new Map<
    string,
    { resource_type: string; sku: string; event_name: string; aggregation: Aggregation }
  >();
  for (const versions of ctx.catalog.prices.values()) {
    for (const { price } of versions) {
      if (!price.meter) continue;
      if (only && !only.has(priceKey(price))) continue;
      const meter = ctx.catalog.meters.get(price.meter.event_name);
      if (!meter) continue;
      const ref = {
        resource_type: price.resource_type,
        sku: price.sku,
        event_name: meter.event_name,
        aggregation: meter.aggregation,
      };
      metered.set(JSON.stringify(ref), ref);
    }
  }
  const found = await meteredUsageRows({
    db,
    billingAccountIds: options.billingAccountIds,
    metered: [...metered.values()],
    months: monthsOverlapping({ from, to }),
    from,
    to,
  });
  const book = await priceBookFor({ ctx, db, refs: found });
  const usage: MeteredUsage[] = [];
  for (const row of found) {
    const at = new Date(Math.max(row.started_at.getTime(), row.month_start.getTime()));
    const version = versionAt({ book, ref: row, version: row.price_version, at });
    const { price } = priceVersion(book, row, version);
    if (price.meter?.event_name !== row.event_name) continue;
    usage.push({
      resource_id: row.resource_id,
      project_id: row.project_id,
      billing_account_id: row.billing_account_id,
      resource_type: row.resource_type,
      sku: row.sku,
      price_version: version,
      period: calendarMonthOf(row.month_start),
      quantity: row.quantity ?? "0",
    });
  }
  return usage;
}

/**
 * The metered lines and shares of the accounts in [from, to) (what the licensed `computeCharges`
 * leaves out): usage so far, which a projection to a later instant does not extrapolate.
 */
export async function meteredCharges(options: {
  ctx: AppContext;
  db: Queryable;
  billingAccountIds: string[];
  from: Date;
  to: Date;
  prices?: { resource_type: string; sku: string }[] | undefined;
}): Promise<Charges> {
  const usage = await meteredUsage(options);
  return computeMeteredCharges({ usage, prices: options.ctx.catalog.prices });
}
