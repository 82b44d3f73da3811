import type { AppContext } from "../context.js";
import { accountsDueForInvoicing, firstBilledInstant, settleThrough } from "../db/invoices.js";
import { hasPendingMarks } from "../db/late-usage.js";
import { calendarMonthOf, type Period } from "../domain/billing-period.js";
import { closedThrough, finalizeInvoice } from "./finalize-invoice.js";

export interface FinalizeRound {
  /** Accounts looked at in this round. */
  accounts: number;
  /** Invoices this round wrote. */
  finalized: number;
  /** Accounts whose finalization failed (logged; retried next round). */
  failed: number;
  /** Pass as `after` to continue; undefined when every due account was looked at. */
  next: string | undefined;
}

/**
 * The worker's invoicing step: every account with a closed, unsettled period gets each such
 * period finalized, oldest first (so that numbers follow periods). It resumes from each account's
 * settlement mark, so periods that closed while nothing ran are caught up on the next start.
 * Safe to run in several processes at once: each period is finalized under the account's lock.
 */
export async function finalizeDueInvoices(options: {
  ctx: AppContext;
  limit?: number;
  after?: string;
}): Promise<FinalizeRound> {
  const { ctx } = options;
  const limit = options.limit ?? 50;
  const through = closedThrough(ctx.clock());
  const due = await accountsDueForInvoicing({
    db: ctx.db,
    closedThrough: through,
    after: options.after,
    limit,
  });
  const round: FinalizeRound = { accounts: due.length, finalized: 0, failed: 0, next: undefined };
  for (const account of due) {
    try {
      round.finalized += await finalizeAccount({
        ctx,
        billingAccountId: account.id,
        settled: account.settled_through ?? undefined,
        through,
      });
    } catch (error) {
      round.failed += 1;
      ctx.log.warn(
        { err: error, billing_account_id: account.id },
        "invoice finalization failed; will retry",
      );
    }
  }
  if (due.length === limit) round.next = due.at(-1)?.id;
  return round;
}

async function finalizeAccount(options: {
  ctx: AppContext;
  billingAccountId: string;
  settled: Date | undefined;
  through: Date;
}): Promise<number> {
  const { ctx, billingAccountId, through } = options;
  const first = await firstBilledInstant({
    db: ctx.db,
    billingAccountId,
    since: options.settled,
  });
  const last = calendarMonthOf(new Date(through.getTime() - 1));
  // Nothing billed since the mark (or ever): every closed period is settled, no invoice — unless
  // late usage changed a period billed earlier: that is billed on an invoice for the last closed
  // period, of adjustments alone.
  let from: Period | undefined;
  if (first && first.getTime() < through.getTime()) from = calendarMonthOf(first);
  else if (await hasPendingMarks({ db: ctx.db, billingAccountId, before: last.start })) from = last;
  if (!from) {
    await settleThrough({ db: ctx.db, billingAccountId, through });
    return 0;
  }
  let finalized = 0;
  for (
    let period = from;
    period.end.getTime() <= through.getTime();
    period = calendarMonthOf(period.end)
  ) {
    const outcome = await finalizeInvoice({ ctx, billingAccountId, period });
    if (outcome.kind === "finalized") {
      finalized += 1;
      ctx.log.info(
        {
          billing_account_id: billingAccountId,
          invoice_id: outcome.invoice.id,
          number: outcome.invoice.number,
          period_start: period.start.toISOString(),
          total: outcome.invoice.total,
        },
        "invoice finalized",
      );
    }
  }
  return finalized;
}
