import type { AppContext } from "../context.js";
import type { BillingAccountRow } from "../db/billing-accounts.js";
import type { Queryable } from "../db/database.js";
import { upsertProviderInvoice } from "../db/provider-invoices.js";
import { calendarMonthOf } from "../domain/billing-period.js";
import type { ProviderInvoice } from "../providers/billing-provider.js";

/**
 * Records one of the provider's invoices next to the ledger's, when it is finalized and bills
 * `billingAccountId`'s subscription; false when there is nothing to record (a draft, whose
 * number and lines are not settled yet, or another account's invoice).
 */
export async function recordProviderInvoice(options: {
  db: Queryable;
  billingAccountId: string;
  invoice: ProviderInvoice;
  at: Date;
}): Promise<boolean> {
  const { invoice, billingAccountId } = options;
  if (invoice.status === "draft" || invoice.billingAccountId !== billingAccountId) return false;
  await upsertProviderInvoice({
    db: options.db,
    invoice: {
      provider_invoice_id: invoice.id,
      billing_account_id: billingAccountId,
      number: invoice.number,
      status: invoice.status,
      hosted_invoice_url: invoice.hosted_invoice_url,
      invoice_pdf: invoice.invoice_pdf,
      currency: invoice.currency,
      total: invoice.total,
      period_start: invoice.period.start,
      period_end: invoice.period.end,
      billing_reason: invoice.billing_reason,
      finalized_at: invoice.finalized_at,
      recorded_at: options.at,
    },
    lines: invoice.lines.map((line) => ({
      provider_invoice_id: invoice.id,
      line_id: line.id,
      resource_type: line.price?.resource_type ?? null,
      sku: line.price?.sku ?? null,
      price_version: line.price?.price_version ?? null,
      service_start: line.service.start,
      service_end: line.service.end,
      amount: line.amount,
      proration: line.proration,
    })),
  });
  return true;
}

/**
 * The pass that catches what webhooks missed: the account's provider invoices created since the
 * start of the previous month (the month a renewal closes, and the one it opens), recorded
 * again — the record follows the provider's status. Run by full passes.
 */
export async function recordProviderInvoices(options: {
  ctx: AppContext;
  account: BillingAccountRow;
}): Promise<number> {
  const { ctx, account } = options;
  if (!ctx.provider.readInvoices) return 0;
  const thisMonth = calendarMonthOf(ctx.clock());
  const since = calendarMonthOf(new Date(thisMonth.start.getTime() - 1)).start;
  const invoices = await ctx.provider.readInvoices({ account, since, prices: ctx.catalog.prices });
  let recorded = 0;
  for (const invoice of invoices) {
    if (
      await recordProviderInvoice({
        db: ctx.db,
        billingAccountId: account.id,
        invoice,
        at: ctx.clock(),
      })
    )
      recorded += 1;
  }
  return recorded;
}
