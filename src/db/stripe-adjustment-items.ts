import type { Queryable } from "./database.js";
import { execute, rows, sqlb } from "./typed.js";

/** A line of one of the account's recent invoices that Stripe has no correcting item for yet. */
export interface LineWithoutItem {
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
 * The lines of the account's invoices for months since `since` that have no Stripe item: its
 * nonzero adjustment lines (late usage and voids, each sent as an item), or its metered charge
 * lines (which a decrease credit may correct). A bounded look back by the (account, period) key,
 * so a pass costs what the last months hold, not the account's history.
 */
export async function invoiceLinesWithoutItem(options: {
  db: Queryable;
  billingAccountId: string;
  since: Date;
  lines: "adjustments" | "metered_charges";
}): Promise<LineWithoutItem[]> {
  const query = sqlb
    .selectFrom("ktrlplane.invoices as i")
    .innerJoin("ktrlplane.invoice_lines as l", "l.invoice_id", "i.id")
    .leftJoin("ktrlplane.stripe_adjustment_items as s", (join) =>
      join.onRef("s.invoice_id", "=", "l.invoice_id").onRef("s.line_no", "=", "l.line_no"),
    )
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
    .where("i.billing_account_id", "=", options.billingAccountId)
    .where("i.period_start", ">=", options.since)
    .where("s.invoice_id", "is", null)
    .orderBy("i.sequence")
    .orderBy("l.line_no");
  return rows(
    options.db,
    options.lines === "adjustments"
      ? query.where("l.kind", "=", "adjustment").where("l.amount", "<>", 0)
      : query.where("l.kind", "=", "charge").where("l.usage_quantity", "is not", null),
  );
}

/** Written after Stripe created the item; a repeat (two passes at once) keeps the first. */
export async function recordAdjustmentItem(options: {
  db: Queryable;
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
  await execute(
    options.db,
    sqlb
      .insertInto("ktrlplane.stripe_adjustment_items")
      .values(options.item)
      .onConflict((oc) => oc.columns(["invoice_id", "line_no"]).doNothing()),
  );
}
