import { meteredCharges } from "../billing/metered-usage.js";
import type { AppContext } from "../context.js";
import type { Queryable } from "../db/database.js";
import { invoicedMeteredLines, settledThrough } from "../db/invoices.js";
import { lockPendingMarks, readPendingMarks } from "../db/late-usage.js";
import { calendarMonthOf, type Period } from "../domain/billing-period.js";
import { computeUsageAdjustments, type UsageAdjustment } from "../domain/usage-adjustments.js";
import { type PlannedLine, planAdjustmentLines } from "./plan-invoice.js";

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

/**
 * The adjustments the account's invoice for the period starting at `before` bills: those of its
 * pending marks. Finalization locks the marks (`lock`, see `lockPendingMarks`) and consumes them
 * after; the upcoming invoice reads them unlocked and writes nothing — one computation for both,
 * so what the preview shows is what the invoice then says.
 */
export async function planPendingAdjustments(options: {
  ctx: AppContext;
  db: Queryable;
  billingAccountId: string;
  before: Date;
  lock: boolean;
}): Promise<{ periodStarts: Date[]; adjustments: UsageAdjustment[] }> {
  const { ctx, db, billingAccountId, before } = options;
  const periodStarts = await (options.lock ? lockPendingMarks : readPendingMarks)({
    db,
    billingAccountId,
    before,
  });
  const adjustments = await planUsageAdjustments({ ctx, db, billingAccountId, periodStarts });
  return { periodStarts, adjustments };
}

/**
 * The adjustment lines the account's invoice for `period` (the current one) will carry if nothing
 * else changes, as its finalization will plan them. Only periods already settled are previewed: a
 * closed period still waiting for its own invoice (the minutes after a month ends) bills its late
 * usage there, not as an adjustment.
 */
export async function previewAdjustmentLines(options: {
  ctx: AppContext;
  db: Queryable;
  billingAccountId: string;
  period: Period;
  after: number;
}): Promise<PlannedLine[]> {
  const { ctx, db, billingAccountId, period } = options;
  const settled = await settledThrough({ db, billingAccountId });
  if (!settled) return [];
  const before = settled.getTime() < period.start.getTime() ? settled : period.start;
  const { adjustments } = await planPendingAdjustments({
    ctx,
    db,
    billingAccountId,
    before,
    lock: false,
  });
  return planAdjustmentLines({
    adjustments,
    prices: ctx.catalog.prices,
    typeNames: new Map(ctx.catalog.resourceTypes.map((t) => [t.type, t.name])),
    after: options.after,
  });
}
