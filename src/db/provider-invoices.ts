import type { Queryable } from "./database.js";
import type { ProviderInvoiceLines, ProviderInvoices } from "./schema.js";
import { execute, rows, sqlb, textArray } from "./typed.js";

export type ProviderInvoiceRow = ProviderInvoices;
export type ProviderInvoiceLineRow = ProviderInvoiceLines;

/**
 * Records a finalized provider invoice: the row follows the provider's status (open → paid,
 * void), the lines are written once (a finalized invoice's lines never change). Idempotent, so
 * a webhook and a pass may both record the same invoice in any order.
 */
export async function upsertProviderInvoice(options: {
  db: Queryable;
  invoice: ProviderInvoiceRow;
  lines: ProviderInvoiceLineRow[];
}): Promise<void> {
  const { db, invoice, lines } = options;
  await execute(
    db,
    sqlb
      .insertInto("ktrlplane.provider_invoices")
      .values(invoice)
      .onConflict((oc) =>
        oc.column("provider_invoice_id").doUpdateSet({
          number: invoice.number,
          status: invoice.status,
          hosted_invoice_url: invoice.hosted_invoice_url,
          invoice_pdf: invoice.invoice_pdf,
          total: invoice.total,
          finalized_at: invoice.finalized_at,
          recorded_at: invoice.recorded_at,
        }),
      ),
  );
  if (lines.length === 0) return;
  await execute(
    db,
    sqlb
      .insertInto("ktrlplane.provider_invoice_lines")
      .values(lines)
      .onConflict((oc) => oc.doNothing()),
  );
}

/** A provider line with the invoice it is on, for comparing one month with the ledger. */
export type ProviderLineWithInvoice = ProviderInvoiceLineRow & {
  billing_account_id: string;
  status: string;
};

/**
 * The accounts' provider lines whose service lies within [from, to), on invoices that still
 * count (a voided invoice bills nothing), oldest first.
 */
export async function providerLinesWithin(options: {
  db: Queryable;
  billingAccountIds: string[];
  from: Date;
  to: Date;
}): Promise<ProviderLineWithInvoice[]> {
  return rows(
    options.db,
    sqlb
      .selectFrom("ktrlplane.provider_invoice_lines as l")
      .innerJoin(
        "ktrlplane.provider_invoices as i",
        "i.provider_invoice_id",
        "l.provider_invoice_id",
      )
      .selectAll("l")
      .select(["i.billing_account_id", "i.status"])
      .where((eb) =>
        eb.and([
          eb("i.billing_account_id", "=", eb.fn.any(textArray(options.billingAccountIds))),
          eb("i.status", "!=", "void"),
          eb("l.service_start", ">=", options.from),
          eb("l.service_end", "<=", options.to),
        ]),
      )
      .orderBy("l.service_start")
      .orderBy("l.provider_invoice_id")
      .orderBy("l.line_id"),
  );
}

export async function providerInvoicesByIds(options: {
  db: Queryable;
  ids: string[];
}): Promise<ProviderInvoiceRow[]> {
  if (options.ids.length === 0) return [];
  return rows(
    options.db,
    sqlb
      .selectFrom("ktrlplane.provider_invoices")
      .selectAll()
      .where((eb) => eb("provider_invoice_id", "=", eb.fn.any(textArray(options.ids))))
      .orderBy("period_end")
      .orderBy("provider_invoice_id"),
  );
}
