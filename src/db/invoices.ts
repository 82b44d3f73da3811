import { type Selectable, sql } from "kysely";
import type { Queryable } from "./database.js";
import {
  addInvoiceResourceTotals,
  invoiceResourceSums,
  type SumParts,
} from "./invoice-resource-totals.js";
import type { ShareColumn } from "./ledger-costs.js";
import type { InvoiceLineShares, InvoiceLines, Invoices } from "./schema.js";
import { execute, first, rows, sqlb, textArray } from "./typed.js";

export type InvoiceRow = Selectable<Invoices>;
export type InvoiceLineRow = Selectable<InvoiceLines>;
export type InvoiceShareRow = Selectable<InvoiceLineShares>;

/**
 * Serializes the finalization of one account's invoices until the transaction ends: numbering
 * (max + 1) and the one-invoice-per-period check are then race-free across processes. A
 * transaction-scoped advisory lock, so resource writes on the account never wait for it.
 */
export async function lockAccountInvoicing(options: {
  db: Queryable;
  billingAccountId: string;
}): Promise<void> {
  await options.db.query("SELECT pg_advisory_xact_lock(7242007, hashtext($1))", [
    options.billingAccountId,
  ]);
}

/** Where the account's settled periods end; undefined before its first settlement. */
export async function settledThrough(options: {
  db: Queryable;
  billingAccountId: string;
}): Promise<Date | undefined> {
  const row = await first(
    options.db,
    sqlb
      .selectFrom("ktrlplane.invoice_settlements")
      .select("settled_through")
      .where("billing_account_id", "=", options.billingAccountId),
  );
  return row?.settled_through;
}

/** Settlement marks of several accounts (those never settled are absent). */
export async function settlementsOf(options: {
  db: Queryable;
  billingAccountIds: string[];
}): Promise<Map<string, Date>> {
  const found = await rows(
    options.db,
    sqlb
      .selectFrom("ktrlplane.invoice_settlements")
      .select(["billing_account_id", "settled_through"])
      .where((eb) =>
        eb("billing_account_id", "=", eb.fn.any(textArray(options.billingAccountIds))),
      ),
  );
  return new Map(found.map((r) => [r.billing_account_id, r.settled_through]));
}

/** Moves the account's settlement mark forward to `through` (never back). */
export async function settleThrough(options: {
  db: Queryable;
  billingAccountId: string;
  through: Date;
}): Promise<void> {
  await execute(
    options.db,
    sqlb
      .insertInto("ktrlplane.invoice_settlements")
      .values({ billing_account_id: options.billingAccountId, settled_through: options.through })
      .onConflict((oc) =>
        oc.column("billing_account_id").doUpdateSet((eb) => ({
          settled_through: eb.fn<Date>("greatest", [
            eb.ref("ktrlplane.invoice_settlements.settled_through"),
            eb.ref("excluded.settled_through"),
          ]),
        })),
      ),
  );
}

/**
 * Accounts with a period that closed before `closedThrough` and is not settled yet, in id order
 * after `after` (a keyset cursor, so that an account that keeps failing never starves the rest).
 */
export async function accountsDueForInvoicing(options: {
  db: Queryable;
  closedThrough: Date;
  after: string | undefined;
  limit: number;
}): Promise<{ id: string; settled_through: Date | null }[]> {
  return rows(
    options.db,
    sqlb
      .selectFrom("ktrlplane.billing_accounts as a")
      .leftJoin("ktrlplane.invoice_settlements as s", "s.billing_account_id", "a.id")
      .select(["a.id", "s.settled_through"])
      .where((eb) =>
        eb.or([
          eb("s.settled_through", "is", null),
          eb("s.settled_through", "<", options.closedThrough),
        ]),
      )
      .$if(options.after !== undefined, (q) => q.where("a.id", ">", options.after as string))
      .orderBy("a.id")
      .limit(options.limit),
  );
}

/** The first instant at or after `since` that the ledger bills to the account, if any. */
export async function firstBilledInstant(options: {
  db: Queryable;
  billingAccountId: string;
  since: Date | undefined;
}): Promise<Date | undefined> {
  const since = options.since ?? new Date(0);
  const row = await first(
    options.db,
    sqlb
      .selectFrom("ktrlplane.billing_intervals")
      .select((eb) =>
        eb.fn
          .min<Date | null>(eb.fn("greatest", ["started_at", sql<Date>`${since}::timestamptz`]))
          .as("at"),
      )
      .where("billing_account_id", "=", options.billingAccountId)
      .where((eb) => eb.or([eb("ended_at", "is", null), eb("ended_at", ">", since)])),
  );
  return row?.at ?? undefined;
}

export async function invoiceForPeriod(options: {
  db: Queryable;
  billingAccountId: string;
  periodStart: Date;
}): Promise<InvoiceRow | undefined> {
  return first(
    options.db,
    sqlb
      .selectFrom("ktrlplane.invoices")
      .selectAll()
      .where("billing_account_id", "=", options.billingAccountId)
      .where("period_start", "=", options.periodStart),
  );
}

/** The account's next invoice sequence: call under `lockAccountInvoicing`, so it stays gapless. */
export async function nextInvoiceSequence(options: {
  db: Queryable;
  billingAccountId: string;
}): Promise<number> {
  const row = await first(
    options.db,
    sqlb
      .selectFrom("ktrlplane.invoices")
      .select(sql<number>`coalesce(max(sequence), 0)::int + 1`.as("next"))
      .where("billing_account_id", "=", options.billingAccountId),
  );
  return row?.next ?? 1;
}

// Rows per INSERT: PostgreSQL takes at most 65,535 parameters per statement.
const BATCH = 1000;

/** Writes an invoice with its lines and shares (in the caller's transaction). */
export async function insertInvoice(options: {
  db: Queryable;
  invoice: InvoiceRow;
  /** `price` is the line's price definition, stored as JSON. */
  lines: (Omit<InvoiceLineRow, "price"> & { price: unknown })[];
  shares: InvoiceShareRow[];
}): Promise<void> {
  const { db, invoice, lines, shares } = options;
  await execute(db, sqlb.insertInto("ktrlplane.invoices").values(invoice));
  for (let i = 0; i < lines.length; i += BATCH) {
    await execute(
      db,
      sqlb
        .insertInto("ktrlplane.invoice_lines")
        .values(
          lines.slice(i, i + BATCH).map((line) => ({ ...line, price: JSON.stringify(line.price) })),
        ),
    );
  }
  for (let i = 0; i < shares.length; i += BATCH) {
    await execute(
      db,
      sqlb.insertInto("ktrlplane.invoice_line_shares").values(shares.slice(i, i + BATCH)),
    );
  }
  // The shares' sums by project and type, once all are written: what closed months of a cost
  // query grouped by anything but the resource read (migration 029).
  await db.query(
    `INSERT INTO ktrlplane.invoice_group_totals (invoice_id, project_id, resource_type, amount)
     SELECT s.invoice_id, s.project_id, l.resource_type, sum(s.amount)
     FROM ktrlplane.invoice_line_shares s
     JOIN ktrlplane.invoice_lines l ON l.invoice_id = s.invoice_id AND l.line_no = s.line_no
     WHERE s.invoice_id = $1
     GROUP BY 1, 2, 3`,
    [invoice.id],
  );
  // And their running sums per resource through the invoice's month: what closed months of a
  // cost query by resource read (migration 032).
  await addInvoiceResourceTotals({ db, invoice });
}

/** One page of an account's invoices, newest first; `beforeSequence` is the cursor. */
export async function listAccountInvoices(options: {
  db: Queryable;
  billingAccountId: string;
  limit: number;
  beforeSequence: number | undefined;
}): Promise<InvoiceRow[]> {
  return rows(
    options.db,
    sqlb
      .selectFrom("ktrlplane.invoices")
      .selectAll()
      .where("billing_account_id", "=", options.billingAccountId)
      .$if(options.beforeSequence !== undefined, (q) =>
        q.where("sequence", "<", options.beforeSequence as number),
      )
      .orderBy("sequence", "desc")
      .limit(options.limit),
  );
}

export async function getInvoice(options: {
  db: Queryable;
  id: string;
}): Promise<InvoiceRow | undefined> {
  return first(
    options.db,
    sqlb.selectFrom("ktrlplane.invoices").selectAll().where("id", "=", options.id),
  );
}

export async function invoiceLines(options: {
  db: Queryable;
  invoiceId: string;
}): Promise<InvoiceLineRow[]> {
  return rows(
    options.db,
    sqlb
      .selectFrom("ktrlplane.invoice_lines")
      .selectAll()
      .where("invoice_id", "=", options.invoiceId)
      .orderBy("line_no"),
  );
}

export async function invoiceShares(options: {
  db: Queryable;
  invoiceId: string;
}): Promise<InvoiceShareRow[]> {
  return rows(
    options.db,
    sqlb
      .selectFrom("ktrlplane.invoice_line_shares")
      .selectAll()
      .where("invoice_id", "=", options.invoiceId)
      .orderBy("line_no")
      .orderBy("resource_id")
      .orderBy("project_id"),
  );
}

const frozenColumn: Record<ShareColumn, string> = {
  project_id: "s.project_id",
  resource_id: "s.resource_id",
  resource_type: "s.resource_type",
  billing_account_id: "i.billing_account_id",
};

/**
 * The frozen shares of the accounts' invoices whose periods lie within [from, to), summed by
 * `column` in the database: only what `settledThrough` (the marks the caller read first) covers,
 * so an invoice finalized since is left to the ledger, never counted twice or not at all. For one
 * resource its own shares are read (by its index); by resource, their running sums per account and
 * calendar year (one row per resource and year, not per invoice and line); by anything else their
 * totals per (invoice, project, type), tens of rows an invoice instead of one per resource and line.
 */
export async function invoiceShareSums(options: {
  db: Queryable;
  settlements: Map<string, Date>;
  from: Date;
  to: Date;
  column: ShareColumn;
  /** Only this resource's shares (by its index, migration 020). */
  resourceId?: string | undefined;
}): Promise<SumParts> {
  const { db, settlements, from, to, resourceId } = options;
  if (settlements.size === 0) return [];
  if (options.column === "resource_id" && resourceId === undefined) {
    return invoiceResourceSums({ db, settlements, from, to });
  }
  // A share's type is its line's: joined only when grouping by type (PostgreSQL drops a LEFT JOIN
  // to a unique key whose columns are not read), as joining every share to its line was a third
  // of the statement.
  const shares =
    resourceId === undefined
      ? sql`ktrlplane.invoice_group_totals s ON s.invoice_id = i.id`
      : sql`ktrlplane.invoice_line_shares s ON s.invoice_id = i.id AND s.resource_id = ${resourceId}
        LEFT JOIN ktrlplane.invoice_lines l ON l.invoice_id = s.invoice_id AND l.line_no = s.line_no`;
  const key =
    resourceId !== undefined && options.column === "resource_type"
      ? "l.resource_type"
      : frozenColumn[options.column];
  const query = sql<{ key: string; amount: number }>`
    SELECT ${sql.ref(key)} COLLATE "C" AS key, sum(s.amount)::bigint AS amount
    FROM unnest(${[...settlements.keys()]}::text[], ${[...settlements.values()]}::timestamptz[])
      AS m(billing_account_id, settled_through)
    JOIN ktrlplane.invoices i
      ON i.billing_account_id = m.billing_account_id
      AND i.period_start >= ${from}::timestamptz AND i.period_end <= ${to}::timestamptz
      AND i.period_end <= m.settled_through
    JOIN ${shares}
    GROUP BY 1
  `;
  const sums = await rows(db, query.compile(sqlb));
  return [() => sums];
}

/**
 * What the account was invoiced for one period's metered lines: the lines of the period's own
 * invoice and every adjustment of the period on later ones, each with its shares. Reads the
 * account's invoices from that period on, never its whole history.
 */
export async function invoicedMeteredLines(options: {
  db: Queryable;
  billingAccountId: string;
  periodStart: Date;
}): Promise<(InvoiceLineRow & { shares: InvoiceShareRow[] })[]> {
  const { db, billingAccountId, periodStart } = options;
  const lines = await rows(
    db,
    sqlb
      .selectFrom("ktrlplane.invoices as i")
      .innerJoin("ktrlplane.invoice_lines as l", "l.invoice_id", "i.id")
      .selectAll("l")
      .where("i.billing_account_id", "=", billingAccountId)
      .where("i.period_start", ">=", periodStart)
      .where("l.period_start", "=", periodStart)
      .where("l.usage_quantity", "is not", null)
      .orderBy("i.sequence")
      .orderBy("l.line_no"),
  );
  if (lines.length === 0) return [];
  const shares = await rows(
    db,
    sqlb
      .selectFrom("ktrlplane.invoice_line_shares")
      .selectAll()
      .where(
        sql<boolean>`(invoice_id, line_no) IN (SELECT * FROM unnest(${textArray(
          lines.map((l) => l.invoice_id),
        )}, ${lines.map((l) => l.line_no)}::int[]))`,
      ),
  );
  const byLine = new Map<string, InvoiceShareRow[]>();
  for (const share of shares) {
    const key = `${share.invoice_id}#${share.line_no}`;
    byLine.set(key, [...(byLine.get(key) ?? []), share]);
  }
  return lines.map((line) => ({
    ...line,
    shares: byLine.get(`${line.invoice_id}#${line.line_no}`) ?? [],
  }));
}
