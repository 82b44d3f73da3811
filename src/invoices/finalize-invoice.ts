import { createHash } from "node:crypto";
import { meteredUsage } from "../billing/metered-usage.js";
import type { AppContext } from "../context.js";
import { getBillingAccount } from "../db/billing-accounts.js";
import { newId } from "../db/ids.js";
import {
  type InvoiceRow,
  insertInvoice,
  invoiceForPeriod,
  lockAccountInvoicing,
  nextInvoiceSequence,
  settledThrough,
  settleThrough,
} from "../db/invoices.js";
import { consumeMarks } from "../db/late-usage.js";
import { intervalsOverlapping } from "../db/ledger.js";
import { projectLabels } from "../db/projects.js";
import { resourceLabels } from "../db/resources.js";
import { calendarMonthOf, type Period } from "../domain/billing-period.js";
import { AppError } from "../domain/errors.js";
import { planInvoice } from "./plan-invoice.js";
import { planPendingAdjustments } from "./plan-usage-adjustments.js";

/**
 * A period is finalized this long after it ends, not at once: a request that read the clock just
 * before midnight may still commit its ledger write (the request timeout is 30 s by default).
 */
export const FINALIZE_AFTER_MS = 5 * 60_000;

/** The end of the last period that may be finalized at `now` (a period start, UTC). */
export function closedThrough(now: Date): Date {
  return calendarMonthOf(new Date(now.getTime() - FINALIZE_AFTER_MS)).start;
}

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** The account's invoice-number prefix: 8 characters derived from its id, stable forever. */
export function invoicePrefix(billingAccountId: string): string {
  const digest = createHash("sha256").update(billingAccountId).digest();
  let prefix = "";
  for (let i = 0; i < 8; i++) prefix += CROCKFORD[(digest[i] as number) % 32];
  return prefix;
}

export function invoiceNumber(options: { billingAccountId: string; sequence: number }): string {
  return `${invoicePrefix(options.billingAccountId)}-${String(options.sequence).padStart(4, "0")}`;
}

export type FinalizeOutcome =
  /** This call wrote the invoice. */
  | { kind: "finalized"; invoice: InvoiceRow }
  /** The period had its invoice already (another pass or process made it). */
  | { kind: "existing"; invoice: InvoiceRow }
  /** Nothing ran on the account in the period: settled without an invoice. */
  | { kind: "nothing_billed" };

/**
 * Finalizes one account's invoice for one closed period: plan (from the ledger, pure) → apply
 * (number, lines, shares, settlement mark), all in one transaction under the account's invoicing
 * lock. Idempotent: a second call, in this process or another, finds the invoice and writes
 * nothing; the unique (account, period) constraint backs the lock up.
 */
export async function finalizeInvoice(options: {
  ctx: AppContext;
  billingAccountId: string;
  period: Period;
}): Promise<FinalizeOutcome> {
  const { ctx, billingAccountId, period } = options;
  const month = calendarMonthOf(period.start);
  if (
    month.start.getTime() !== period.start.getTime() ||
    month.end.getTime() !== period.end.getTime()
  ) {
    throw new AppError({ code: "internal", message: "an invoice covers one calendar month" });
  }
  if (period.end.getTime() > closedThrough(ctx.clock()).getTime()) {
    throw new AppError({
      code: "internal",
      message: `the period ending ${period.end.toISOString()} is not closed yet`,
    });
  }
  return ctx.db.transaction(async (tx) => {
    await lockAccountInvoicing({ db: tx, billingAccountId });
    const existing = await invoiceForPeriod({
      db: tx,
      billingAccountId,
      periodStart: period.start,
    });
    if (existing) {
      await settleThrough({ db: tx, billingAccountId, through: period.end });
      return { kind: "existing", invoice: existing };
    }
    const settled = await settledThrough({ db: tx, billingAccountId });
    if (settled && settled.getTime() >= period.end.getTime()) return { kind: "nothing_billed" };

    const account = await getBillingAccount({ db: tx, id: billingAccountId });
    if (!account) throw new AppError({ code: "not_found", message: "Billing account not found" });
    // Earlier periods that late usage or voids changed: locked before any usage is read, so an
    // ingest still writing to one commits first and is counted, or leaves a new mark behind.
    const { periodStarts: marked, adjustments } = await planPendingAdjustments({
      ctx,
      db: tx,
      billingAccountId,
      before: period.start,
      lock: true,
    });
    const intervals = await intervalsOverlapping({
      db: tx,
      billingAccountIds: [billingAccountId],
      from: period.start,
      to: period.end,
    });
    // Usage read in the transaction that freezes it: an event that lands later never changes
    // this invoice (its rows are never updated); it is billed on a later one as an adjustment.
    const usage = await meteredUsage({
      ctx,
      db: tx,
      billingAccountIds: [billingAccountId],
      from: period.start,
      to: period.end,
    });
    const plan = planInvoice({
      billingAccountId,
      currency: account.currency,
      period,
      intervals,
      usage,
      adjustments,
      prices: ctx.catalog.prices,
      typeNames: new Map(ctx.catalog.resourceTypes.map((t) => [t.type, t.name])),
    });
    if (!plan) {
      await consumeMarks({
        db: tx,
        billingAccountId,
        periodStarts: marked,
        at: ctx.clock(),
        invoiceId: null,
      });
      await settleThrough({ db: tx, billingAccountId, through: period.end });
      return { kind: "nothing_billed" };
    }

    const shares = plan.lines.flatMap((line) =>
      line.shares.map((share) => ({ line_no: line.line_no, ...share })),
    );
    const resources = await resourceLabels({
      db: tx,
      ids: [...new Set(shares.map((s) => s.resource_id))],
    });
    const projects = await projectLabels({
      db: tx,
      ids: [...new Set(shares.map((s) => s.project_id))],
    });
    const sequence = await nextInvoiceSequence({ db: tx, billingAccountId });
    const invoice: InvoiceRow = {
      id: newId("inv"),
      billing_account_id: billingAccountId,
      billing_account_name: account.name,
      organization_id: account.organization_id,
      sequence,
      number: invoiceNumber({ billingAccountId, sequence }),
      period_start: period.start,
      period_end: period.end,
      currency: plan.currency,
      total: plan.total,
      finalized_at: ctx.clock(),
    };
    await insertInvoice({
      db: tx,
      invoice,
      lines: plan.lines.map((line) => ({
        invoice_id: invoice.id,
        line_no: line.line_no,
        kind: line.kind,
        recomputed_amount: line.recomputed_amount,
        invoiced_amount: line.invoiced_amount,
        resource_type: line.resource_type,
        sku: line.sku,
        description: line.description,
        price_version: line.price_version,
        price: line.price,
        quantity: line.quantity,
        usage_quantity: line.usage_quantity,
        period_start: line.period.start,
        period_end: line.period.end,
        amount: line.amount,
        currency: line.currency,
      })),
      shares: shares.map((share) => ({
        invoice_id: invoice.id,
        line_no: share.line_no,
        resource_id: share.resource_id,
        resource_name: resources.get(share.resource_id)?.name ?? share.resource_id,
        project_id: share.project_id,
        project_name: projects.get(share.project_id)?.name ?? share.project_id,
        amount: share.amount,
      })),
    });
    await consumeMarks({
      db: tx,
      billingAccountId,
      periodStarts: marked,
      at: invoice.finalized_at,
      invoiceId: invoice.id,
    });
    await settleThrough({ db: tx, billingAccountId, through: period.end });
    return { kind: "finalized", invoice };
  });
}
