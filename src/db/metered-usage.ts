import { sql } from "kysely";
import type { Queryable } from "./database.js";
import { rows, sqlb, textArray } from "./typed.js";

/** One resource's usage of one meter on one account in one month, every aggregation at once. */
export interface MeteredUsageRow {
  resource_id: string;
  project_id: string;
  billing_account_id: string;
  resource_type: string;
  sku: string;
  /** The version the ledger rows were recorded at (a due move may bill a later one). */
  price_version: number;
  event_name: string;
  month_start: Date;
  /** The first of those ledger rows' starts. */
  started_at: Date;
  /** Null where the resource sent no event in its hours on the account that month. */
  sum: string | null;
  count: string | null;
  max: string | null;
  latest: string | null;
  unique_count: string | null;
}

/**
 * For each resource of a metered price billed to one of the accounts in [from, to): its usage of
 * the price's meter per calendar month, from the hourly rollups — sums add, max stays max, latest
 * is the last event's value, and unique_count counts the distinct values themselves (never a sum
 * of hourly counts). A row per resource, account and month is returned even without usage.
 *
 * Each hour of usage belongs to one ledger row: of the resource's rows (on any account) that
 * overlap the hour, the one that started last. So an hour is billed once, to the account that
 * held the resource at its end, even when a billing switch cuts it; a window counts the hours
 * that start in it. Reads cost the rollup rows of the window, not the account's history.
 */
export async function meteredUsageRows(options: {
  db: Queryable;
  billingAccountIds: string[];
  /** The metered prices and their meters (every version's). */
  metered: { resource_type: string; sku: string; event_name: string }[];
  months: { start: Date; end: Date }[];
  from: Date;
  to: Date;
}): Promise<MeteredUsageRow[]> {
  const { db, metered, months } = options;
  if (metered.length === 0 || months.length === 0 || options.billingAccountIds.length === 0) {
    return [];
  }
  const from = sql`${options.from.toISOString()}::timestamptz`;
  const to = sql`${options.to.toISOString()}::timestamptz`;
  const keys = sql.raw(
    "resource_id, event_name, project_id, billing_account_id, price_version, month_start",
  );
  return rows(
    db,
    sql<MeteredUsageRow>`
      WITH metered AS (
        SELECT * FROM unnest(${textArray(metered.map((m) => m.resource_type))},
                             ${textArray(metered.map((m) => m.sku))},
                             ${textArray(metered.map((m) => m.event_name))})
                 AS m(resource_type, sku, event_name)
      ),
      months AS (
        SELECT * FROM unnest(${months.map((m) => m.start.toISOString())}::timestamptz[],
                             ${months.map((m) => m.end.toISOString())}::timestamptz[])
                 AS m(month_start, month_end)
      ),
      billed AS (
        SELECT i.resource_id, m.event_name, i.project_id, i.billing_account_id, i.price_version,
               mo.month_start, i.resource_type, i.sku, min(i.started_at) AS started_at
        FROM ktrlplane.billing_intervals i
        JOIN metered m ON m.resource_type = i.resource_type AND m.sku = i.sku
        JOIN months mo ON i.started_at < least(mo.month_end, ${to})
             AND (i.ended_at IS NULL OR i.ended_at > greatest(mo.month_start, ${from}))
        WHERE i.billing_account_id = ANY(${textArray(options.billingAccountIds)})
          AND i.started_at < ${to} AND (i.ended_at IS NULL OR i.ended_at > ${from})
        GROUP BY i.resource_id, m.event_name, i.project_id, i.billing_account_id,
                 i.price_version, mo.month_start, i.resource_type, i.sku
      ),
      owned AS (
        SELECT DISTINCT ON (r.resource_id, r.event_name, r.hour)
               r.resource_id, r.event_name, r.hour, r.sum, r.count, r.max,
               r.latest_value, r.latest_at, r.latest_event_id,
               a.project_id, a.billing_account_id, a.price_version
        FROM ktrlplane.usage_rollups r
        JOIN ktrlplane.billing_intervals a ON a.resource_id = r.resource_id
             AND a.started_at < r.hour + interval '1 hour'
             AND (a.ended_at IS NULL OR a.ended_at > r.hour)
        WHERE (r.resource_id, r.event_name) IN (SELECT resource_id, event_name FROM billed)
          AND r.hour >= ${from} AND r.hour < ${to}
        ORDER BY r.resource_id, r.event_name, r.hour, a.started_at DESC, a.id DESC
      ),
      sums AS (
        SELECT resource_id, event_name, project_id, billing_account_id, price_version,
               date_trunc('month', hour, 'UTC') AS month_start,
               trim_scale(sum(sum))::text AS sum, sum(count)::text AS count,
               trim_scale(max(max))::text AS max,
               trim_scale((array_agg(latest_value
                 ORDER BY latest_at DESC, latest_event_id COLLATE "C" DESC))[1])::text AS latest
        FROM owned GROUP BY ${keys}
      ),
      uniques AS (
        SELECT o.resource_id, o.event_name, o.project_id, o.billing_account_id, o.price_version,
               date_trunc('month', o.hour, 'UTC') AS month_start,
               count(DISTINCT d.value)::text AS unique_count
        FROM owned o
        JOIN ktrlplane.usage_distinct_values d
          ON d.resource_id = o.resource_id AND d.event_name = o.event_name AND d.hour = o.hour
        GROUP BY o.resource_id, o.event_name, o.project_id, o.billing_account_id,
                 o.price_version, date_trunc('month', o.hour, 'UTC')
      )
      SELECT b.resource_id, b.project_id, b.billing_account_id, b.resource_type, b.sku,
             b.price_version, b.event_name, b.month_start, b.started_at,
             s.sum, s.count, s.max, s.latest, u.unique_count
      FROM billed b
      LEFT JOIN sums s USING (${keys})
      LEFT JOIN uniques u USING (${keys})
      ORDER BY b.billing_account_id, b.resource_id, b.month_start, b.price_version`.compile(sqlb),
  );
}
