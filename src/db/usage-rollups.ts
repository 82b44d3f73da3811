import { type RawBuilder, sql } from "kysely";
import type { Aggregation, Meter } from "../domain/meter.js";
import type { Queryable } from "./database.js";
import { rows, sqlb, textArray } from "./typed.js";

/** Rollups are kept per UTC hour (010) and per UTC day (019), in tables of the same shape. */
export type RollupPeriod = "hour" | "day";

const rollupTable = {
  hour: sql.table("ktrlplane.usage_rollups"),
  day: sql.table("ktrlplane.usage_rollups_daily"),
};
const valuesTable = {
  hour: sql.table("ktrlplane.usage_distinct_values"),
  day: sql.table("ktrlplane.usage_distinct_values_daily"),
};

/** The period's column (`hour` or `day`) and the truncation that fills it. */
export function periodOf(period: RollupPeriod, at: RawBuilder<unknown>) {
  return { column: sql.ref(period), start: sql`date_trunc(${sql.lit(period)}, ${at}, 'UTC')` };
}

export function rollupTableOf(period: RollupPeriod) {
  return rollupTable[period];
}

export function distinctValuesTableOf(period: RollupPeriod) {
  return valuesTable[period];
}

/**
 * Partial aggregates (columns o, p, r, n, t, sum, count, max, latest_value, latest_at,
 * latest_event_id) rolled up to `period`: one row per resource × meter × period, `t` its start,
 * in the same shape, so that rollups compose (events → hours → days: a day is summed from its
 * batch's hour rows, not its events again). "latest" is the value of the greatest (timestamp,
 * event id). Grouped in byte order ("C"); a resource's organization and project are its own
 * (min picks the one value).
 */
export function rollUp(options: {
  period: RollupPeriod;
  source: RawBuilder<unknown>;
}): RawBuilder<unknown> {
  const { start } = periodOf(options.period, sql`t`);
  const latest = sql`ORDER BY latest_at DESC, latest_event_id COLLATE "C" DESC`;
  return sql`
    SELECT min(o) AS o, min(p) AS p, r COLLATE "C" AS r, n COLLATE "C" AS n, ${start} AS t,
           sum(sum) AS sum, sum(count)::bigint AS count, max(max) AS max,
           (array_agg(latest_value ${latest}))[1] AS latest_value, max(latest_at) AS latest_at,
           (array_agg(latest_event_id ${latest}))[1] AS latest_event_id
    FROM (${options.source}) AS s
    GROUP BY 3, 4, 5`;
}

/** Events (columns o, p, r, n, v, t, i) as the partial aggregates `rollUp` reads, one each. */
export function eventsAsPartials(events: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`SELECT o, p, r, n, t, v AS sum, 1 AS count, v AS max, v AS latest_value,
    t AS latest_at, i AS latest_event_id FROM ${events}`;
}

/**
 * Adds rolled-up rows of `period` (`rollUp`'s shape) to their rollup rows, in key order so that
 * concurrent writers lock rollup rows in one order. Runs after `after` (a CTE it reads, see
 * usage-events.ts). A data-modifying CTE.
 */
export function foldIntoRollups(options: {
  period: RollupPeriod;
  source: RawBuilder<unknown>;
  after: RawBuilder<unknown>;
}): RawBuilder<unknown> {
  const { column } = periodOf(options.period, sql`t`);
  return sql`
    INSERT INTO ${rollupTable[options.period]} AS r
      (organization_id, project_id, resource_id, event_name, ${column}, sum, count, max,
       latest_value, latest_at, latest_event_id)
    SELECT o, p, r, n, t, sum, count, max, latest_value, latest_at, latest_event_id
    FROM ${options.source} AS s WHERE (SELECT count(*) FROM ${options.after}) >= 0
    ORDER BY r COLLATE "C", n COLLATE "C", t
    ON CONFLICT (resource_id, event_name, ${column}) DO UPDATE SET
      sum = r.sum + excluded.sum,
      count = r.count + excluded.count,
      max = greatest(r.max, excluded.max),
      latest_value = CASE WHEN (excluded.latest_at, excluded.latest_event_id COLLATE "C")
                               > (r.latest_at, r.latest_event_id COLLATE "C")
                          THEN excluded.latest_value ELSE r.latest_value END,
      latest_event_id = CASE WHEN (excluded.latest_at, excluded.latest_event_id COLLATE "C")
                                  > (r.latest_at, r.latest_event_id COLLATE "C")
                             THEN excluded.latest_event_id ELSE r.latest_event_id END,
      latest_at = greatest(r.latest_at, excluded.latest_at)
    RETURNING 1`;
}

/** As `foldIntoRollups`, for the distinct values (column d) that unique_count meters count. */
export function addDistinctValues(options: {
  period: RollupPeriod;
  source: RawBuilder<unknown>;
  after: RawBuilder<unknown>;
}): RawBuilder<unknown> {
  const { column, start } = periodOf(options.period, sql`t`);
  return sql`
    INSERT INTO ${valuesTable[options.period]}
      (organization_id, project_id, resource_id, event_name, ${column}, value)
    SELECT min(o), min(p), r COLLATE "C", n COLLATE "C", ${start}, d COLLATE "C"
    FROM ${options.source} WHERE d IS NOT NULL AND (SELECT count(*) FROM ${options.after}) >= 0
    GROUP BY 3, 4, 5, 6 ORDER BY 3, 4, 5, 6
    ON CONFLICT DO NOTHING
    RETURNING 1`;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Where the rows of [from, to) are: day rows for its whole UTC days, hour rows for the hours
 * before the first and after the last of them (bounds fall on whole hours, usage-range.ts). A
 * month is ~31 day rows per resource and meter instead of ~744 hour rows. `hour` alone: only
 * hour rows (an hourly series).
 */
function rangeParts(options: {
  from: Date;
  to: Date;
  finest: RollupPeriod;
}): { period: RollupPeriod; from: Date; to: Date }[] {
  const { from, to } = options;
  const days = options.finest === "day" ? wholeDaysOf({ from, to }) : null;
  if (!days) return [{ period: "hour", from, to }];
  return [
    { period: "day" as const, ...days },
    { period: "hour" as const, from, to: days.from },
    { period: "hour" as const, from: days.to, to },
  ].filter((part) => part.from < part.to);
}

/** The whole UTC days of [from, to), as one range; null when it holds none. */
export function wholeDaysOf(range: { from: Date; to: Date }): { from: Date; to: Date } | null {
  const from = new Date(Math.ceil(range.from.getTime() / DAY_MS) * DAY_MS);
  const to = new Date(Math.floor(range.to.getTime() / DAY_MS) * DAY_MS);
  return from < to ? { from, to } : null;
}

/**
 * The rollup rows (or, `distinct`, the distinct values) of [from, to) that `where` selects, from
 * the day and hour tables as `rangeParts` says, with the period's start as `start`.
 */
function rowsInRange(options: {
  from: Date;
  to: Date;
  finest: RollupPeriod;
  distinct: boolean;
  where: RawBuilder<unknown>;
  columns: RawBuilder<unknown>;
}): RawBuilder<unknown> {
  const parts = rangeParts(options).map(({ period, from, to }) => {
    const column = sql.ref(period);
    const table = options.distinct ? valuesTable[period] : rollupTable[period];
    return sql`
      SELECT ${column} AS start, ${options.columns} FROM ${table}
      WHERE ${options.where}
        AND ${column} >= ${from.toISOString()}::timestamptz AND ${column} < ${to.toISOString()}::timestamptz`;
  });
  return sql.join(parts, sql` UNION ALL `);
}

const rollupColumns = sql`organization_id, project_id, resource_id, event_name, sum, count, max,
  latest_value, latest_at, latest_event_id`;
const valueColumns = sql`organization_id, project_id, resource_id, event_name, value`;

/**
 * One aggregation over a range of hourly rollup rows (`usage_rollups`): sums add, MAX stays MAX,
 * and "latest" is the value of the greatest (timestamp, event id). unique_count is never read
 * from here (see `usage_distinct_values`).
 */
function rollupAggregate(aggregation: Exclude<Aggregation, "unique_count">): RawBuilder<string> {
  switch (aggregation) {
    case "sum":
      return sql`sum(sum)`;
    case "count":
      return sql`sum(count)`;
    case "max":
      return sql`max(max)`;
    case "latest":
      return sql`(array_agg(latest_value ORDER BY latest_at DESC, latest_event_id COLLATE "C" DESC))[1]`;
  }
}

export interface UsageBucket {
  start: Date;
  value: string;
}

/**
 * A resource's usage of one meter in [from, to), per hour or day (UTC), and over the range: a
 * daily series and the total read day rows for whole days, hour rows for the edges.
 */
export async function resourceUsageSeries(options: {
  db: Queryable;
  resourceId: string;
  meter: Meter;
  from: Date;
  to: Date;
  granularity: "hour" | "day";
}): Promise<{ buckets: UsageBucket[]; total: string | null }> {
  const { db, resourceId, meter, from, to, granularity } = options;
  const unique = meter.aggregation === "unique_count";
  const value = unique ? sql`count(DISTINCT value)` : rollupAggregate(meter.aggregation as never);
  const source = (finest: RollupPeriod) =>
    rowsInRange({
      from,
      to,
      finest,
      distinct: unique,
      where: sql`resource_id = ${resourceId} AND event_name = ${meter.event_name}`,
      columns: unique ? valueColumns : rollupColumns,
    });
  const buckets = await rows(
    db,
    sql<UsageBucket>`
      SELECT date_trunc(${granularity}, start, 'UTC') AS start, trim_scale(${value})::text AS value
      FROM (${source(granularity)}) AS s
      GROUP BY 1 ORDER BY 1`.compile(sqlb),
  );
  const total = await rows(
    db,
    sql<{ value: string | null }>`
      SELECT trim_scale(${value})::text AS value FROM (${source("day")}) AS s`.compile(sqlb),
  );
  return { buckets, total: total[0]?.value ?? null };
}

export type UsageGrouping = "project" | "resource" | "event_name";

export interface UsageTotal {
  project_id: string | null;
  resource_id: string | null;
  event_name: string;
  aggregation: Aggregation;
  value: string;
  resources: number;
}

/**
 * An organization's usage in [from, to): each resource's quantity for each meter (its meter's
 * aggregation over the range — what a metered price bills), added up per group. Keyset-paged on
 * (group, event name) in byte order; the group's condition is applied before aggregating.
 */
export async function organizationUsageTotals(options: {
  db: Queryable;
  organizationId: string;
  meters: Meter[];
  from: Date;
  to: Date;
  groupBy: UsageGrouping;
  after?: { group: string; event_name: string };
  limit: number;
}): Promise<UsageTotal[]> {
  const { db, organizationId, meters, from, to, groupBy, after, limit } = options;
  const inRange = (where: RawBuilder<unknown>, distinct: boolean) =>
    rowsInRange({
      from,
      to,
      finest: "day",
      distinct,
      where: sql`organization_id = ${organizationId} AND ${where} ${page}`,
      columns: distinct ? valueColumns : rollupColumns,
    });
  const group = sql.ref(
    groupBy === "project" ? "project_id" : groupBy === "resource" ? "resource_id" : "event_name",
  );
  const page = after
    ? sql`AND (${group} COLLATE "C", event_name COLLATE "C") > (${after.group}, ${after.event_name})`
    : sql``;
  const perMeter = meters.filter((m) => m.aggregation !== "unique_count");
  const unique = meters.filter((m) => m.aggregation === "unique_count");
  const branches = [
    ...perMeter.map(
      (m) => sql`
        SELECT project_id, resource_id, event_name, ${m.aggregation}::text AS aggregation,
               ${rollupAggregate(m.aggregation as never)} AS value
        FROM (${inRange(sql`event_name = ${m.event_name}`, false)}) AS s
        GROUP BY project_id, resource_id, event_name`,
    ),
    ...(unique.length > 0
      ? [
          sql`
        SELECT project_id, resource_id, event_name, 'unique_count' AS aggregation,
               count(DISTINCT value) AS value
        FROM (${inRange(sql`event_name = ANY(${textArray(unique.map((m) => m.event_name))})`, true)}) AS s
        GROUP BY project_id, resource_id, event_name`,
        ]
      : []),
  ];
  if (branches.length === 0) return [];
  const select =
    groupBy === "project"
      ? sql`project_id, NULL::text AS resource_id`
      : groupBy === "resource"
        ? sql`project_id, resource_id`
        : sql`NULL::text AS project_id, NULL::text AS resource_id`;
  const groupKeys =
    groupBy === "project"
      ? sql`project_id`
      : groupBy === "resource"
        ? sql`project_id, resource_id`
        : sql``;
  return rows(
    db,
    sql<UsageTotal>`
      SELECT ${select}, event_name, min(aggregation) AS aggregation,
             trim_scale(sum(value))::text AS value, count(*)::int AS resources
      FROM (${sql.join(branches, sql` UNION ALL `)}) AS per_resource
      GROUP BY ${groupKeys}${groupBy === "event_name" ? sql`` : sql`, `}event_name
      ORDER BY ${group} COLLATE "C", event_name COLLATE "C"
      LIMIT ${limit}`.compile(sqlb),
  );
}
