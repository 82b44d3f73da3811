import { sql } from "kysely";
import type { Aggregation } from "../domain/meter.js";
import type { Queryable } from "./database.js";
import { rows, sqlb, textArray } from "./typed.js";

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
 * The owner is decided once per stretch of hours, not per rollup row: the hours a ledger row
 * overlaps, [its start's hour, its end rounded up to an hour), cut the resource's hours into
 * stretches over which the same rows overlap, hence one owner. Each owned stretch of the window
 * and month is read from the day rollups (019) for its whole UTC days and from the hour rollups
 * for its ragged ends, by range on the rollups' keys: ~31 rows per resource and meter for a month,
 * and the few hours around a creation, deletion, billing switch or price move inside a day. The day
 * rollups' key carries their aggregates (030), so the day rows are read from the index alone.
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
  // The window's hours are those that start in it: [from, to) rounded up to whole hours.
  const firstHour = instant(ceilToHour(options.from));
  const endHour = instant(ceilToHour(options.to));
  const accounts = textArray(options.billingAccountIds);
  const keys = sql.raw(
    "resource_id, event_name, project_id, billing_account_id, price_version, month_start",
  );
  // The hour that holds an instant, and the first hour after it (an hour's start is its own).
  const hourOf = (at: string) => sql.raw(`date_trunc('hour', ${at}, 'UTC')`);
  const hourAfter = (at: string) =>
    sql.raw(`date_trunc('hour', ${at} - interval '1 microsecond', 'UTC') + interval '1 hour'`);
  // What `select` (`tail`) makes of each piece's rows of the rollup (or, for unique_count, the
  // distinct values') table, for the pieces of the meters of `aggregations`: a range read on the
  // table's primary key per piece, and an aggregate per piece rather than over all the rows.
  const perPiece = (options: { aggregations: Aggregation[]; select: string; tail?: string }) => {
    const distinct = options.aggregations.includes("unique_count");
    const read = (daily: boolean) => {
      const table = `usage_${distinct ? "distinct_values" : "rollups"}${daily ? "_daily" : ""}`;
      const column = daily ? "day" : "hour";
      return `
        SELECT x.resource_id, x.event_name, x.project_id, x.billing_account_id, x.price_version,
               x.month_start, x.aggregation, r.*
        FROM pieces x
        CROSS JOIN LATERAL (
          SELECT ${options.select} FROM ktrlplane.${table} t
          WHERE t.resource_id = x.resource_id AND t.event_name = x.event_name
            AND t.${column} >= x.first AND t.${column} < x."end"
          ${options.tail ?? ""}) AS r
        WHERE x.daily = ${daily}
          AND x.aggregation IN (${options.aggregations.map((a) => `'${a}'`).join(", ")})`;
    };
    return sql.raw(`${read(true)} UNION ALL ${read(false)}`);
  };
  const latestFirst = 'ORDER BY latest_at DESC, latest_event_id COLLATE "C" DESC';
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
        WHERE i.billing_account_id = ANY(${accounts})
          AND i.started_at < ${to} AND (i.ended_at IS NULL OR i.ended_at > ${from})
        GROUP BY i.resource_id, m.event_name, m.aggregation, i.project_id, i.billing_account_id,
                 i.price_version, mo.month_start, i.resource_type, i.sku
      ),
      meters AS MATERIALIZED (SELECT DISTINCT resource_id, event_name, aggregation FROM billed),
      -- The ledger rows (of any account) overlapping an hour of the window, with the hours they
      -- overlap: [first_hour, end_hour).
      ledger AS MATERIALIZED (
        SELECT i.id, i.resource_id, i.project_id, i.billing_account_id, i.price_version,
               i.started_at, ${hourOf("i.started_at")} AS first_hour,
               coalesce(${hourAfter("i.ended_at")}, 'infinity') AS end_hour
        FROM ktrlplane.billing_intervals i
        WHERE i.resource_id IN (SELECT resource_id FROM meters) AND i.started_at < ${endHour}
          AND (i.ended_at IS NULL OR i.ended_at > ${firstHour})
      ),
      -- Between two consecutive of a resource's bounds, the same rows overlap every hour.
      stretches AS (
        SELECT resource_id, bound AS first_hour,
               lead(bound) OVER (PARTITION BY resource_id ORDER BY bound) AS end_hour
        FROM (SELECT DISTINCT resource_id, bound
              FROM ledger, LATERAL (VALUES (first_hour), (end_hour)) AS b(bound)) AS bounds
      ),
      -- Each stretch with its owner: the overlapping row that started last.
      owned AS (
        SELECT DISTINCT ON (s.resource_id, s.first_hour)
               s.resource_id, s.first_hour, s.end_hour, l.project_id, l.billing_account_id,
               l.price_version
        FROM stretches s
        JOIN ledger l ON l.resource_id = s.resource_id AND l.first_hour <= s.first_hour
             AND l.end_hour > s.first_hour
        WHERE s.end_hour IS NOT NULL
        ORDER BY s.resource_id, s.first_hour, l.started_at DESC, l.id DESC
      ),
      -- Consecutive stretches billed on the same line (owners of the same project, account and
      -- version) as one, so that an hour cut by a switch needs no piece of its own.
      runs AS (
        SELECT *, count(*) FILTER (WHERE starts) OVER (PARTITION BY resource_id ORDER BY first_hour) AS run
        FROM (SELECT *, (first_hour, project_id, billing_account_id, price_version) IS DISTINCT FROM
                        (lag(end_hour) OVER w, lag(project_id) OVER w,
                         lag(billing_account_id) OVER w, lag(price_version) OVER w) AS starts
              FROM owned WINDOW w AS (PARTITION BY resource_id ORDER BY first_hour)) AS o
      ),
      merged AS (
        SELECT resource_id, project_id, billing_account_id, price_version,
               min(first_hour) AS first_hour, max(end_hour) AS end_hour
        FROM runs WHERE billing_account_id = ANY(${accounts})
        GROUP BY resource_id, run, project_id, billing_account_id, price_version
      ),
      -- The accounts' stretches cut to the window and to each month.
      ranges AS (
        SELECT o.resource_id, o.project_id, o.billing_account_id, o.price_version, mo.month_start,
               greatest(o.first_hour, mo.month_start, ${firstHour}) AS first_hour,
               least(o.end_hour, mo.month_end, ${endHour}) AS end_hour
        FROM merged o
        JOIN months mo ON o.first_hour < least(mo.month_end, ${endHour})
             AND o.end_hour > greatest(mo.month_start, ${firstHour})
      ),
      -- Each range's whole UTC days (none: an empty day range at its end, all of it hours).
      days AS (
        SELECT r.*, CASE WHEN d.first < d."end" THEN d.first ELSE r.end_hour END AS days_from,
               CASE WHEN d.first < d."end" THEN d."end" ELSE r.end_hour END AS days_to
        FROM ranges r,
             LATERAL (SELECT date_trunc('day', r.first_hour + interval '23 hours', 'UTC'),
                             date_trunc('day', r.end_hour, 'UTC')) AS d(first, "end")
      ),
      pieces AS MATERIALIZED (
        SELECT d.resource_id, m.event_name, m.aggregation, d.project_id, d.billing_account_id,
               d.price_version, d.month_start, p.daily, p.first, p."end"
        FROM days d
        JOIN meters m USING (resource_id)
        CROSS JOIN LATERAL (VALUES (true, d.days_from, d.days_to),
                                   (false, d.first_hour, d.days_from),
                                   (false, d.days_to, d.end_hour)) AS p(daily, first, "end")
        WHERE p.first < p."end"
      ),
      quantities AS (
        SELECT ${keys},
               CASE min(aggregation)
                 WHEN 'sum' THEN trim_scale(sum(sum))::text
                 WHEN 'count' THEN sum(count)::text
                 WHEN 'max' THEN trim_scale(max(max))::text
               END AS quantity
        FROM (${perPiece({
          aggregations: ["sum", "count", "max"],
          select: "sum(sum) AS sum, sum(count) AS count, max(max) AS max",
        })}) AS r
        GROUP BY ${keys}
        UNION ALL
        (SELECT DISTINCT ON (${keys}) ${keys}, trim_scale(latest_value)::text
         FROM (${perPiece({
           aggregations: ["latest"],
           select: "latest_value, latest_at, latest_event_id",
           tail: `${latestFirst} LIMIT 1`,
         })}) AS r
         ORDER BY ${keys}, ${sql.raw(latestFirst.slice("ORDER BY ".length))})
        UNION ALL
        SELECT ${keys}, count(DISTINCT value)::text
        FROM (${perPiece({ aggregations: ["unique_count"], select: "value", tail: "OFFSET 0" })}) AS v
        GROUP BY ${keys}
      )
      SELECT b.resource_id, b.project_id, b.billing_account_id, b.resource_type, b.sku,
             b.price_version, b.event_name, b.month_start, b.started_at, q.quantity
      FROM billed b
      LEFT JOIN quantities q USING (${keys})
      ORDER BY b.billing_account_id, b.resource_id, b.month_start, b.price_version`.compile(sqlb),
  );
}

function ceilToHour(at: Date): Date {
  return new Date(Math.ceil(at.getTime() / HOUR_MS) * HOUR_MS);
}

const HOUR_MS = 3_600_000;
