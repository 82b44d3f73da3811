import { sql } from "kysely";
import type { Aggregation } from "../domain/meter.js";
import type { Queryable } from "./database.js";
import { rows, sqlb, textArray } from "./typed.js";
import { wholeDaysOf } from "./usage-rollups.js";

/** One resource's usage of one meter on one account in one month. */
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
  /** The meter's aggregate (decimal text); null where the resource sent no event in its hours. */
  quantity: string | null;
}

/**
 * For each resource of a metered price billed to one of the accounts in [from, to): its usage of
 * the price's meter per calendar month, from the rollups — sums add, max stays max, latest is the
 * value of the greatest (timestamp, event id), and unique_count counts the distinct values
 * themselves (never a sum of hourly or daily counts). A row per resource, account and month is
 * returned even without usage.
 *
 * Each hour of usage belongs to one ledger row: of the resource's rows (on any account) that
 * overlap the hour, the one that started last. So an hour is billed once, to the account that
 * held the resource at its end, even when a billing switch cuts it; a window counts the hours
 * that start in it.
 *
 * Reads cost the rollup rows of the window, ~31 per resource and meter for a month: a whole UTC
 * day of the window is read from its day row (019) when no ledger row of the resource starts or
 * ends inside it — then every hour of the day overlaps the same ledger rows, so they all belong
 * to the row that owns the day. The other days (a creation, deletion, billing switch or price
 * move in the middle of a day) and the hours at the window's edges are read by the hour.
 */
export async function meteredUsageRows(options: {
  db: Queryable;
  billingAccountIds: string[];
  /** The metered prices and their meters (every version's), with the meters' aggregations. */
  metered: { resource_type: string; sku: string; event_name: string; aggregation: Aggregation }[];
  months: { start: Date; end: Date }[];
  from: Date;
  to: Date;
}): Promise<MeteredUsageRow[]> {
  const { db, metered, months } = options;
  if (metered.length === 0 || months.length === 0 || options.billingAccountIds.length === 0) {
    return [];
  }
  const instant = (at: Date) => sql`${at.toISOString()}::timestamptz`;
  const from = instant(options.from);
  const to = instant(options.to);
  // No whole day: an empty day range at the end, the window all edge hours.
  const days = wholeDaysOf(options) ?? { from: options.to, to: options.to };
  const daysFrom = instant(days.from);
  const daysTo = instant(days.to);
  const keys = sql.raw(
    "resource_id, event_name, project_id, billing_account_id, price_version, month_start",
  );
  const rollupColumns = sql.raw("sum, count, max, latest_value, latest_at, latest_event_id");
  // The ledger row `a` overlaps the rollup row `unit` ([start, end)) of its resource.
  const overlaps = (a: string, unit: string) =>
    sql.raw(`${a}.resource_id = ${unit}.resource_id AND ${a}.started_at < ${unit}."end"
             AND (${a}.ended_at IS NULL OR ${a}.ended_at > ${unit}.start)`);
  return rows(
    db,
    sql<MeteredUsageRow>`
      WITH metered AS (
        SELECT * FROM unnest(${textArray(metered.map((m) => m.resource_type))},
                             ${textArray(metered.map((m) => m.sku))},
                             ${textArray(metered.map((m) => m.event_name))},
                             ${textArray(metered.map((m) => m.aggregation))})
                 AS m(resource_type, sku, event_name, aggregation)
      ),
      months AS (
        SELECT * FROM unnest(${months.map((m) => m.start.toISOString())}::timestamptz[],
                             ${months.map((m) => m.end.toISOString())}::timestamptz[])
                 AS m(month_start, month_end)
      ),
      billed AS (
        SELECT i.resource_id, m.event_name, m.aggregation, i.project_id, i.billing_account_id,
               i.price_version, mo.month_start, i.resource_type, i.sku,
               min(i.started_at) AS started_at
        FROM ktrlplane.billing_intervals i
        JOIN metered m ON m.resource_type = i.resource_type AND m.sku = i.sku
        JOIN months mo ON i.started_at < least(mo.month_end, ${to})
             AND (i.ended_at IS NULL OR i.ended_at > greatest(mo.month_start, ${from}))
        WHERE i.billing_account_id = ANY(${textArray(options.billingAccountIds)})
          AND i.started_at < ${to} AND (i.ended_at IS NULL OR i.ended_at > ${from})
        GROUP BY i.resource_id, m.event_name, m.aggregation, i.project_id, i.billing_account_id,
                 i.price_version, mo.month_start, i.resource_type, i.sku
      ),
      meters AS MATERIALIZED (SELECT DISTINCT resource_id, event_name, aggregation FROM billed),
      cut_days AS MATERIALIZED (
        SELECT DISTINCT i.resource_id, date_trunc('day', b.at, 'UTC') AS day
        FROM ktrlplane.billing_intervals i
        CROSS JOIN LATERAL (VALUES (i.started_at), (i.ended_at)) AS b(at)
        WHERE i.resource_id IN (SELECT resource_id FROM meters) AND i.started_at < ${daysTo}
          AND b.at > ${daysFrom} AND b.at < ${daysTo} AND b.at <> date_trunc('day', b.at, 'UTC')
      ),
      hour_ranges AS (
        SELECT m.resource_id, m.event_name, m.aggregation, e.first_hour, e.end_hour
        FROM meters m, (VALUES (${from}, ${daysFrom}), (${daysTo}, ${to})) AS e(first_hour, end_hour)
        WHERE e.first_hour < e.end_hour
        UNION ALL
        SELECT m.resource_id, m.event_name, m.aggregation, c.day, c.day + interval '1 day'
        FROM cut_days c JOIN meters m USING (resource_id)
      ),
      rollups AS (
        SELECT m.resource_id, m.event_name, m.aggregation, true AS daily, d.day AS start,
               d.day + interval '1 day' AS "end", ${rollupColumns}
        FROM meters m
        JOIN ktrlplane.usage_rollups_daily d
          ON d.resource_id = m.resource_id AND d.event_name = m.event_name
        WHERE d.day >= ${daysFrom} AND d.day < ${daysTo}
          AND NOT EXISTS (SELECT 1 FROM cut_days c
                          WHERE c.resource_id = d.resource_id AND c.day = d.day)
        UNION ALL
        SELECT x.resource_id, x.event_name, x.aggregation, false, h.hour,
               h.hour + interval '1 hour', ${rollupColumns}
        FROM hour_ranges x
        -- Each range through the primary key (OFFSET 0 keeps the planner from joining instead
        -- by hashing the whole table: it cannot know how few the ranges are).
        CROSS JOIN LATERAL (
          SELECT * FROM ktrlplane.usage_rollups h
          WHERE h.resource_id = x.resource_id AND h.event_name = x.event_name
            AND h.hour >= x.first_hour AND h.hour < x.end_hour
          OFFSET 0) AS h
      ),
      -- Each rollup row with the ledger row that owns it: no other row overlapping it started
      -- later (hash joins on the resource: a resource has few rows).
      owned AS (
        SELECT r.*, a.project_id, a.billing_account_id, a.price_version,
               date_trunc('month', r.start, 'UTC') AS month_start
        FROM rollups r
        JOIN ktrlplane.billing_intervals a ON ${overlaps("a", "r")}
        WHERE NOT EXISTS (SELECT 1 FROM ktrlplane.billing_intervals b
                          WHERE ${overlaps("b", "r")} AND (b.started_at, b.id) > (a.started_at, a.id))
      ),
      quantities AS (
        SELECT ${keys},
               CASE min(aggregation)
                 WHEN 'sum' THEN trim_scale(sum(sum))::text
                 WHEN 'count' THEN sum(count)::text
                 WHEN 'max' THEN trim_scale(max(max))::text
               END AS quantity
        FROM owned WHERE aggregation IN ('sum', 'count', 'max') GROUP BY ${keys}
        UNION ALL
        (SELECT DISTINCT ON (${keys}) ${keys}, trim_scale(latest_value)::text
         FROM owned WHERE aggregation = 'latest'
         ORDER BY ${keys}, latest_at DESC, latest_event_id COLLATE "C" DESC)
        UNION ALL
        SELECT ${keys}, count(DISTINCT value)::text
        FROM (
          SELECT o.*, d.value FROM owned o
          JOIN ktrlplane.usage_distinct_values_daily d ON o.daily
               AND d.resource_id = o.resource_id AND d.event_name = o.event_name AND d.day = o.start
          WHERE o.aggregation = 'unique_count'
          UNION ALL
          SELECT o.*, h.value FROM owned o
          JOIN ktrlplane.usage_distinct_values h ON NOT o.daily
               AND h.resource_id = o.resource_id AND h.event_name = o.event_name AND h.hour = o.start
          WHERE o.aggregation = 'unique_count'
        ) AS v
        GROUP BY ${keys}
      )
      SELECT b.resource_id, b.project_id, b.billing_account_id, b.resource_type, b.sku,
             b.price_version, b.event_name, b.month_start, b.started_at, q.quantity
      FROM billed b
      LEFT JOIN quantities q USING (${keys})
      ORDER BY b.billing_account_id, b.resource_id, b.month_start, b.price_version`.compile(sqlb),
  );
}
