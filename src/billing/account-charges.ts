import type { AppContext } from "../context.js";
import type { BillingAccountRow } from "../db/billing-accounts.js";
import type { Queryable } from "../db/database.js";
import { intervalsOverlapping } from "../db/ledger.js";
import { calendarMonthOf, type Period } from "../domain/billing-period.js";
import { computeCharges, mergeCharges } from "../domain/charges.js";
import { previewAdjustmentLines } from "../invoices/plan-usage-adjustments.js";
import { priceBookFor } from "./find-price.js";
import { meteredCharges } from "./metered-usage.js";

export interface ChargesStatement {
  period: Period;
  lines: {
    /** A charge of the period, or an adjustment of an earlier one the next invoice will bill. */
    kind: "charge" | "adjustment";
    /** Adjustments: the period corrected, the line recomputed and what was invoiced for it. */
    adjusts_period: Period | null;
    recomputed_amount: number | null;
    invoiced_amount: number | null;
    resource_type: string;
    sku: string;
    price_version: number;
    description: string;
    quantity: number;
    /** Metered lines: the period's aggregate of the meter so far, which the amount prices. */
    usage_quantity: string | null;
    amount: number;
  }[];
  total: number;
  currency: string;
}

/**
 * The local provider's view of an account's current period from the ledger: `until: "now"` is
 * what has been charged so far, `until: "period_end"` the upcoming invoice if nothing changes.
 * Each line is prorated by the second and rounded once. Both views end with the adjustments of
 * earlier periods (late usage, voids) pending for the next invoice, planned as its finalization
 * will plan them.
 */
export async function accountCharges(options: {
  ctx: AppContext;
  db: Queryable;
  account: BillingAccountRow;
  until: "now" | "period_end";
}): Promise<ChargesStatement> {
  const { ctx, db, account } = options;
  const now = ctx.clock();
  const period = calendarMonthOf(now);
  const intervals = await intervalsOverlapping({
    db,
    billingAccountIds: [account.id],
    from: period.start,
    to: period.end,
  });
  const licensed = computeCharges({
    intervals,
    prices: await priceBookFor({ ctx, db, refs: intervals }),
    from: period.start,
    to: period.end,
    openUntil: options.until === "now" ? now : period.end,
  });
  // Usage so far in both views: the upcoming invoice does not guess the rest of the month's.
  const metered = await meteredCharges({
    ctx,
    db,
    billingAccountIds: [account.id],
    from: period.start,
    to: period.end,
  });
  const { lines, total } = mergeCharges(licensed, metered);
  const typeNames = new Map(ctx.catalog.resourceTypes.map((t) => [t.type, t.name]));
  // Two versions of one price in a month are two lines: the description tells them apart.
  const versionsOf = new Map<string, number>();
  for (const line of lines) {
    const key = `${line.resource_type}/${line.sku}`;
    versionsOf.set(key, (versionsOf.get(key) ?? 0) + 1);
  }
  const adjustments = await previewAdjustmentLines({
    ctx,
    db,
    billingAccountId: account.id,
    period,
    after: lines.length,
  });
  return {
    period,
    lines: [
      ...lines.map((line) => ({
        kind: "charge" as const,
        adjusts_period: null,
        recomputed_amount: null,
        invoiced_amount: null,
        resource_type: line.resource_type,
        sku: line.sku,
        price_version: line.price_version,
        description: `${typeNames.get(line.resource_type) ?? line.resource_type} (${line.sku}${
          (versionsOf.get(`${line.resource_type}/${line.sku}`) ?? 0) > 1
            ? `, price version ${line.price_version}`
            : ""
        })`,
        quantity: line.quantity_at_end,
        usage_quantity: line.usage_quantity ?? null,
        amount: line.amount,
      })),
      ...adjustments.map((line) => ({
        kind: line.kind,
        adjusts_period: line.period,
        recomputed_amount: line.recomputed_amount,
        invoiced_amount: line.invoiced_amount,
        resource_type: line.resource_type,
        sku: line.sku,
        price_version: line.price_version,
        description: line.description,
        quantity: line.quantity,
        usage_quantity: line.usage_quantity,
        amount: line.amount,
      })),
    ],
    total: total + adjustments.reduce((sum, line) => sum + line.amount, 0),
    currency: account.currency,
  };
}
