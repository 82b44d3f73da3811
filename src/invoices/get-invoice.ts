import { authorizeBillingAccount } from "../access/authorize.js";
import type { AppContext } from "../context.js";
import type { BillingAccountRow } from "../db/billing-accounts.js";
import {
  getInvoice,
  type InvoiceLineRow,
  type InvoiceRow,
  type InvoiceShareRow,
  invoiceLines,
  invoiceShares,
} from "../db/invoices.js";
import { AppError, notFound } from "../domain/errors.js";

export interface InvoiceDetail {
  invoice: InvoiceRow;
  account: BillingAccountRow;
  lines: (InvoiceLineRow & { shares: InvoiceShareRow[] })[];
  /** The shares summed per project: what each project cost on this invoice. */
  projects: { project_id: string; project_name: string; amount: number }[];
}

/**
 * A finalized invoice with its lines, their shares and per-project totals, for someone who may
 * read the paying account's charges. An invoice of another organization does not exist (404).
 */
export async function getInvoiceForReader(options: {
  ctx: AppContext;
  userId: string;
  invoiceId: string;
}): Promise<InvoiceDetail> {
  const { ctx } = options;
  const invoice = await getInvoice({ db: ctx.db, id: options.invoiceId });
  if (!invoice) throw notFound("Invoice");
  const account = await authorizeBillingAccount({
    db: ctx.db,
    userId: options.userId,
    billingAccountId: invoice.billing_account_id,
    action: "read",
  }).catch((error) => {
    throw error instanceof AppError && error.code === "not_found" ? notFound("Invoice") : error;
  });
  const lines = await invoiceLines({ db: ctx.db, invoiceId: invoice.id });
  const shares = await invoiceShares({ db: ctx.db, invoiceId: invoice.id });
  const byLine = new Map<number, InvoiceShareRow[]>();
  const byProject = new Map<string, { project_id: string; project_name: string; amount: number }>();
  for (const share of shares) {
    const list = byLine.get(share.line_no) ?? [];
    list.push(share);
    byLine.set(share.line_no, list);
    const project = byProject.get(share.project_id) ?? {
      project_id: share.project_id,
      project_name: share.project_name,
      amount: 0,
    };
    project.amount += share.amount;
    byProject.set(share.project_id, project);
  }
  return {
    invoice,
    account,
    lines: lines.map((line) => ({ ...line, shares: byLine.get(line.line_no) ?? [] })),
    projects: [...byProject.values()].sort(
      (a, b) => b.amount - a.amount || a.project_name.localeCompare(b.project_name),
    ),
  };
}
