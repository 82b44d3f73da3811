import type { Queryable } from "../../src/db/database.js";

/** One share of an invoice, with the invoice's account and month. */
export interface InvoicedShare {
  billing_account_id: string;
  period_start: Date;
  resource_id: string;
  amount: number;
}

/** Every share of every invoice in the database. */
export function invoicedShares(db: Queryable): Promise<InvoicedShare[]> {
  return db.query<InvoicedShare>(
    `SELECT i.billing_account_id, i.period_start, s.resource_id, s.amount::bigint AS amount
     FROM ktrlplane.invoices i JOIN ktrlplane.invoice_line_shares s ON s.invoice_id = i.id`,
  );
}

/** The rollup of migration 032 as stored, one string a row, in a stable order. */
export async function storedResourceTotals(db: Queryable): Promise<string[]> {
  const found = await db.query<Record<string, unknown>>(
    `SELECT billing_account_id, year, resource_id, cumulative::text AS cumulative, months
     FROM ktrlplane.invoice_resource_totals`,
  );
  return found.map((r) => JSON.stringify(Object.values(r).map(String))).sort();
}

/**
 * The same rollup recomputed from the invoices' shares: per account, UTC year and resource, the
 * running sum at each month through the last with shares, and which months had any.
 */
export async function resourceTotalsFromShares(db: Queryable): Promise<string[]> {
  const rows = new Map<string, { sums: number[]; months: number }>();
  for (const s of await invoicedShares(db)) {
    const key = JSON.stringify([
      s.billing_account_id,
      String(s.period_start.getUTCFullYear()),
      s.resource_id,
    ]);
    const row = rows.get(key) ?? { sums: [], months: 0 };
    const month = s.period_start.getUTCMonth();
    row.sums[month] = (row.sums[month] ?? 0) + s.amount;
    row.months |= 1 << month;
    rows.set(key, row);
  }
  return [...rows]
    .map(([key, row]) => {
      let running = 0;
      const cumulative = Array.from({ length: 32 - Math.clz32(row.months) }, (_, k) => {
        running += row.sums[k] ?? 0;
        return running;
      });
      return JSON.stringify([...JSON.parse(key), `{${cumulative.join(",")}}`, String(row.months)]);
    })
    .sort();
}
