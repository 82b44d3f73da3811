import { sql } from "kysely";
import type { PriceRef } from "../domain/flat-rates.js";
import type { Queryable } from "./database.js";
import { rows, sqlb } from "./typed.js";

/** What the ledger's shares and the invoices' frozen shares can be summed by. */
export type ShareColumn = "project_id" | "resource_type" | "resource_id" | "billing_account_id";

/** One month's stretch [from, to) of the ledger to charge on some accounts (epoch seconds). */
export interface LedgerMonthSegment {
  billing_account_ids: string[];
  from: number;
  to: number;
  month_start: number;
  month_seconds: number;
}

/**
 * The ledger's charges at flat prices (see `flatRates`) summed by `column`, once for each
 * `openUntil` (epoch seconds an open interval runs to), in one statement. The arithmetic is
 * `computeCharges`' to the unit: a line per (account, price, version, month) is
 * round-half-up(unit_amount × Σ seconds / month seconds), split over (resource, project) by
 * largest remainder of their seconds, ties to the smallest (resource_id, project_id) in code-unit
 * order; versions are cut where `epochs` say. Only the sums leave the database: the answer grows
 * with the groups, not with the intervals.
 */
export async function flatShareSums(options: {
  db: Queryable;
  segments: LedgerMonthSegment[];
  rates: (PriceRef & { version: number; unit_amount: number })[];
  epochs: (PriceRef & { start: number; end: number; moved_to: number })[];
  openUntil: number[];
  column: ShareColumn;
}): Promise<{ open_until: number; key: string; amount: number }[]> {
  const { segments, rates, epochs, openUntil } = options;
  const seg = segments.flatMap((s) => s.billing_account_ids.map((id) => ({ ...s, id })));
  if (seg.length === 0 || rates.length === 0) return [];
  const column = sql.ref(options.column);
  const query = sql<{ open_until: number; key: string; amount: number }>`
    WITH seg AS (
      SELECT * FROM unnest(${seg.map((s) => s.id)}::text[], ${seg.map((s) => s.from)}::bigint[],
        ${seg.map((s) => s.to)}::bigint[], ${seg.map((s) => s.month_start)}::bigint[],
        ${seg.map((s) => s.month_seconds)}::bigint[])
        AS s(billing_account_id, from_s, to_s, month_start, month_seconds)
    ), epoch AS (
      SELECT * FROM unnest(${epochs.map((e) => e.resource_type)}::text[],
        ${epochs.map((e) => e.sku)}::text[], ${epochs.map((e) => e.start)}::bigint[],
        ${epochs.map((e) => e.end)}::bigint[], ${epochs.map((e) => e.moved_to)}::int[])
        AS e(resource_type, sku, start_s, end_s, moved_to)
    ), rate AS (
      SELECT * FROM unnest(${rates.map((r) => r.resource_type)}::text[],
        ${rates.map((r) => r.sku)}::text[], ${rates.map((r) => r.version)}::int[],
        ${rates.map((r) => r.unit_amount)}::bigint[])
        AS r(resource_type, sku, version, unit_amount)
    ), piece AS (
      SELECT o.open_until, i.billing_account_id, i.resource_type, i.sku,
        greatest(i.price_version, e.moved_to) AS version, s.month_start, s.month_seconds,
        i.resource_id, i.project_id,
        least(coalesce(floor(extract(epoch FROM i.ended_at))::bigint, o.open_until), s.to_s, e.end_s)
          - greatest(floor(extract(epoch FROM i.started_at))::bigint, s.from_s, e.start_s) AS seconds
      FROM seg s
      JOIN ktrlplane.billing_intervals i
        ON i.billing_account_id = s.billing_account_id
        AND i.started_at < to_timestamp(s.to_s)
        AND (i.ended_at IS NULL OR i.ended_at > to_timestamp(s.from_s))
      JOIN epoch e ON e.resource_type = i.resource_type AND e.sku = i.sku
      CROSS JOIN unnest(${openUntil}::bigint[]) AS o(open_until)
    ), weight AS (
      SELECT open_until, billing_account_id, resource_type, sku, version, month_start,
        month_seconds, resource_id, project_id, sum(seconds) AS seconds
      FROM piece WHERE seconds > 0
      GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
    ), line AS (
      SELECT w.*, r.unit_amount,
        sum(w.seconds) OVER l AS line_seconds,
        div(2 * r.unit_amount::numeric * sum(w.seconds) OVER l + w.month_seconds, 2 * w.month_seconds)
          AS line_amount
      FROM weight w
      JOIN rate r USING (resource_type, sku, version)
      WINDOW l AS (PARTITION BY open_until, billing_account_id, resource_type, sku, version, month_start)
    ), floored AS (
      SELECT *, div(line_amount * seconds, line_seconds) AS floor_amount
      FROM line
    ), ranked AS (
      SELECT *,
        line_amount - sum(floor_amount) OVER l AS leftover,
        row_number() OVER (l ORDER BY line_amount * seconds - floor_amount * line_seconds DESC,
          resource_id COLLATE "C", project_id COLLATE "C") AS place
      FROM floored
      WINDOW l AS (PARTITION BY open_until, billing_account_id, resource_type, sku, version, month_start)
    )
    SELECT open_until, ${column} AS key,
      sum(floor_amount + CASE WHEN place <= leftover THEN 1 ELSE 0 END)::bigint AS amount
    FROM ranked
    GROUP BY open_until, ${column}
  `;
  return rows(options.db, query.compile(sqlb));
}
