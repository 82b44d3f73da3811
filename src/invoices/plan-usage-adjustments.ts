import { meteredCharges } from "../billing/metered-usage.js";
import type { AppContext } from "../context.js";
import type { Queryable } from "../db/database.js";
import { invoicedMeteredLines } from "../db/invoices.js";
import { calendarMonthOf } from "../domain/billing-period.js";
import { computeUsageAdjustments, type UsageAdjustment } from "../domain/usage-adjustments.js";

/**
 * The adjustments late usage calls for in the account's marked periods: each period's metered
 * lines recomputed from its usage as it stands now (the same computation its invoice made),
 * against what was invoiced for them since. Reads the marked periods only.
 */
export async function planUsageAdjustments(options: {
  ctx: AppContext;
  db: Queryable;
  billingAccountId: string;
  periodStarts: Date[];
}): Promise<UsageAdjustment[]> {
  const { ctx, db, billingAccountId } = options;
  const adjustments: UsageAdjustment[] = [];
  for (const start of options.periodStarts) {
    const period = calendarMonthOf(start);
    const recomputed = await meteredCharges({
      ctx,
      db,
      billingAccountIds: [billingAccountId],
      from: period.start,
      to: period.end,
    });
    const invoiced = await invoicedMeteredLines({
      db,
      billingAccountId,
      periodStart: period.start,
    });
    adjustments.push(...computeUsageAdjustments({ period, recomputed, invoiced }));
  }
  return adjustments;
}
