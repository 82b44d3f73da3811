import type { AppContext } from "../context.js";
import type { BillingAccountRow } from "../db/billing-accounts.js";
import { type InvoiceRow, listAccountInvoices } from "../db/invoices.js";

/** One page of an account's finalized invoices, newest first (callers authorize the account). */
export async function listInvoices(options: {
  ctx: AppContext;
  account: BillingAccountRow;
  limit: number;
  /** A `next_cursor` from the previous page: the sequence number to continue below. */
  cursor?: string;
}): Promise<{ data: InvoiceRow[]; next_cursor: string | null }> {
  const { ctx, account, limit } = options;
  const found = await listAccountInvoices({
    db: ctx.db,
    billingAccountId: account.id,
    limit: limit + 1,
    beforeSequence: options.cursor === undefined ? undefined : Number(options.cursor),
  });
  const data = found.slice(0, limit);
  const last = data.at(-1);
  return { data, next_cursor: found.length > limit && last ? String(last.sequence) : null };
}
