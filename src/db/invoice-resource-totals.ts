import { sql } from "kysely";
import { calendarMonthOf } from "../domain/billing-period.js";
import type { Queryable } from "./database.js";
import { rows, sqlb, textFields } from "./typed.js";

/**
 * Sums by key in parts, each decoded when called: a caller that adds them up takes one part per
 * turn of the event loop. A key may have sums in several parts.
 */
export type SumParts = (() => { key: string; amount: number }[])[];

/** Months since year 0 (January of year y is 12y): an invoice's month, as the rollup keys it. */
function monthNumber(at: Date): number {
  return at.getUTCFullYear() * 12 + at.getUTCMonth();
}

/**
 * Appends the invoice's month to the running totals of its resources for the month's year
 * (migration 032), from its shares once all are written: one row per resource, a new one with
 * zeros for the months before, or an existing one extended by the months without shares since
 * its last (each the running total so far) and this one. Call in the transaction that writes the
 * shares, under the account's invoicing lock: months arrive in order, never twice.
 */
export async function addInvoiceResourceTotals(options: {
  db: Queryable;
  invoice: { id: string; billing_account_id: string; period_start: Date };
}): Promise<void> {
  const { db, invoice } = options;
  await db.query(
    `INSERT INTO ktrlplane.invoice_resource_totals AS t
       (billing_account_id, year, resource_id, cumulative, months)
     SELECT $2::text, $3::int, resource_id,
       array_fill(0::bigint, ARRAY[$4::int - 1]) || sum(amount)::bigint, 1 << ($4::int - 1)
     FROM ktrlplane.invoice_line_shares
     WHERE invoice_id = $1
     GROUP BY resource_id
     ON CONFLICT (billing_account_id, year, resource_id) DO UPDATE SET
       cumulative = t.cumulative
         || array_fill(t.cumulative[cardinality(t.cumulative)],
              ARRAY[$4::int - 1 - cardinality(t.cumulative)])
         || (t.cumulative[cardinality(t.cumulative)] + excluded.cumulative[$4::int]),
       months = t.months | excluded.months`,
    [
      invoice.id,
      invoice.billing_account_id,
      invoice.period_start.getUTCFullYear(),
      invoice.period_start.getUTCMonth() + 1,
    ],
  );
}

/**
 * The frozen shares per resource of the accounts' invoices within [from, to) that the settlement
 * marks cover, in parts that add up to what summing the shares of those invoices gives, to the
 * unit and group for group (a resource whose shares sum to 0 included): one part per account,
 * calendar year and resource, read from one row of each. Every invoice is one calendar month (migration 032 checks it), so the invoices a
 * window covers are the months from the first starting at or after `from` to the last ending at
 * or before both `to` and the mark; a month cut by either edge is charged from the ledger.
 */
export async function invoiceResourceSums(options: {
  db: Queryable;
  settlements: Map<string, Date>;
  from: Date;
  to: Date;
}): Promise<SumParts> {
  const { db, settlements, from, to } = options;
  // The first month starting at or after `from`.
  const first =
    monthNumber(from) + (calendarMonthOf(from).start.getTime() === from.getTime() ? 0 : 1);
  const windows = [...settlements]
    .map(([id, settled]) => ({
      id,
      // The months ending at or before both `to` and the mark are those before the month holding
      // the earlier of the two (a month ends where the next starts): months first..end - 1.
      end: monthNumber(new Date(Math.min(to.getTime(), settled.getTime()))),
    }))
    .filter((w) => w.end > first);
  if (windows.length === 0) return [];
  // Per row, the window's months of its year are lo..hi (1-based); a row counts only when the
  // resource had shares in one of them (`months`), as with the shares a group exists only where
  // some share does. The bounds on the year are a range of the primary key. The rows are not
  // summed per resource here: the caller adds them up with the rest of the costs, and hashing
  // 20k rows into 10k groups was a third of the statement. They leave as texts of ~2.5k sums
  // each (ids are a prefix and base64url: never a space), which decode several times faster
  // than as rows, and one at a time: decoded at once, 20k sums held the event loop for up to
  // 20 ms under load.
  const query = sql<{ sums: string }>`
    SELECT string_agg(t.resource_id || ' ' || (t.cumulative[least(w.hi, cardinality(t.cumulative))]
        - coalesce(t.cumulative[least(w.lo - 1, cardinality(t.cumulative))], 0)), ' ') AS sums
    FROM unnest(${windows.map((w) => w.id)}::text[], ${windows.map((w) => w.end)}::int[])
      AS m(billing_account_id, end_month)
    JOIN ktrlplane.invoice_resource_totals t
      ON t.billing_account_id = m.billing_account_id
      AND t.year BETWEEN ${first}::int / 12 AND (m.end_month - 1) / 12
    CROSS JOIN LATERAL (
      SELECT greatest(${first}::int - 12 * t.year, 0) + 1 AS lo, least(m.end_month - 12 * t.year, 12) AS hi
    ) w
    WHERE t.months & ((1 << w.hi) - (1 << (w.lo - 1))) <> 0
    GROUP BY hashtext(t.resource_id) & 7
  `;
  return (await rows(db, query.compile(sqlb))).map((row) => () => decodeSums(row.sums));
}

function decodeSums(text: string): { key: string; amount: number }[] {
  const fields = textFields({ text, perRow: 2 });
  const sums: { key: string; amount: number }[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    sums.push({ key: fields[i] as string, amount: Number(fields[i + 1]) });
  }
  return sums;
}
