import type { Queryable } from "./database.js";
import { execute, rows, sqlb } from "./typed.js";

/** A ledger adjustment line that has no Stripe invoice item recorded yet, with its invoice. */
export interface PendingAdjustmentLine {
  invoice_id: string;
  invoice_number: string;
  invoice_period_start: Date;
  invoice_period_end: Date;
  line_no: number;
  resource_type: string;
  sku: string;
  price_version: number;
  description: string;
  period_start: Date;
  period_end: Date;
  amount: number;
  currency: string;
}

/**
 * The account's adjustment lines on invoices finalized since `since` that Stripe has no item for:
 * a bounded look back (the account's recent invoices, by its (account, period) key), so a pass
 * costs what the last months hold, not the account's history.
 */
export async function pendingAdjustmentLines(options: {
  db: Queryable;
  billingAccountId: string;
  since: Date;
}): Promise<PendingAdjustmentLine[]> {
  return rows(
    options.db,
    sqlb
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
        "l.description",
        "l.period_start",
        "l.period_end",
        "l.amount",
        "l.currency",
      ])
      .where("i.billing_account_id", "=", options.billingAccountId)
      .where("i.period_start", ">=", options.since)
      .where("l.kind", "=", "adjustment")
      .where("l.amount", "<>", 0)
      .where("s.invoice_id", "is", null)
      .orderBy("i.sequence")
      .orderBy("l.line_no"),
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

/** A ledger metered line (a closed month's usage) that Stripe has no correcting item for. */
export interface MeteredChargeLine {
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
 * The metered charge lines of the account's invoices for months since `since`, without an item:
 * the account's recent invoices only, so a pass costs what the last months hold.
 */
export async function meteredChargeLinesWithoutItem(options: {
  db: Queryable;
  billingAccountId: string;
  since: Date;
}): Promise<MeteredChargeLine[]> {
  return rows(
    options.db,
    sqlb
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
      .where("l.kind", "=", "charge")
      .where("l.usage_quantity", "is not", null)
      .where("s.invoice_id", "is", null)
      .orderBy("i.sequence")
      .orderBy("l.line_no"),
  );
}
