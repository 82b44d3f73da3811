import type { Database, Queryable } from "./database.js";
import { execute, rows, sqlb } from "./typed.js";

/** A line of one of the account's invoices that Stripe has not been told about yet. */
export interface PendingLine {
  invoice_id: string;
  invoice_number: string;
  invoice_period_start: Date;
  invoice_period_end: Date;
  line_no: number;
  resource_type: string;
  sku: string;
  price_version: number;
  price: unknown;
  description: string;
  period_start: Date;
  period_end: Date;
  usage_quantity: string | null;
  amount: number;
  currency: string;
}

/**
 * The account's lines queued for Stripe (migration 028), oldest invoice first: its nonzero
 * adjustment lines (late usage and voids, each sent as an item), or its metered charge lines
 * (which a decrease credit may correct). The queue holds only what is pending, by account: a pass
 * costs what is left to send, whatever the account's age and however old the line.
 */
export async function pendingStripeLines(options: {
  db: Queryable;
  billingAccountId: string;
  kind: "adjustment" | "metered_charge";
}): Promise<PendingLine[]> {
  return rows(
    options.db,
    sqlb
      .selectFrom("ktrlplane.stripe_pending_lines as p")
      .innerJoin("ktrlplane.invoice_lines as l", (join) =>
        join.onRef("l.invoice_id", "=", "p.invoice_id").onRef("l.line_no", "=", "p.line_no"),
      )
      .innerJoin("ktrlplane.invoices as i", "i.id", "l.invoice_id")
      .select([
        "l.invoice_id",
        "i.number as invoice_number",
        "i.period_start as invoice_period_start",
        "i.period_end as invoice_period_end",
        "l.line_no",
        "l.resource_type",
        "l.sku",
        "l.price_version",
        "l.price",
        "l.description",
        "l.period_start",
        "l.period_end",
        "l.usage_quantity",
        "l.amount",
        "l.currency",
      ])
      .where("p.billing_account_id", "=", options.billingAccountId)
      .where("p.kind", "=", options.kind)
      .orderBy("i.sequence")
      .orderBy("l.line_no"),
  );
}

/** A metered charge line whose check found nothing to credit: Stripe needs nothing more for it. */
export async function settlePendingLine(options: {
  db: Queryable;
  invoiceId: string;
  lineNo: number;
}): Promise<void> {
  await execute(
    options.db,
    sqlb
      .deleteFrom("ktrlplane.stripe_pending_lines")
      .where("invoice_id", "=", options.invoiceId)
      .where("line_no", "=", options.lineNo),
  );
}

/**
 * Written after Stripe created the item, in one transaction with the line leaving the queue; a
 * repeat (two passes at once) keeps the first.
 */
export async function recordAdjustmentItem(options: {
  db: Database;
  item: {
    invoice_id: string;
    line_no: number;
    billing_account_id: string;
    stripe_invoice_item_id: string;
    customer_id: string;
    stripe_amount: number;
    currency: string;
    sent_at: Date;
  };
}): Promise<void> {
  const { item } = options;
  await options.db.transaction(async (tx) => {
    await execute(
      tx,
      sqlb
        .insertInto("ktrlplane.stripe_adjustment_items")
        .values(item)
        .onConflict((oc) => oc.columns(["invoice_id", "line_no"]).doNothing()),
    );
    await settlePendingLine({ db: tx, invoiceId: item.invoice_id, lineNo: item.line_no });
  });
}
