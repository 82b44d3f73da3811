import { type RawBuilder, sql } from "kysely";
import type { Aggregation, Meter } from "../domain/meter.js";
import type { Queryable } from "./database.js";
import { rows, sqlb, textArray } from "./typed.js";

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

/** A resource's usage of one meter in [from, to), per hour or day (UTC), and over the range. */
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
  const table = sql.table(unique ? "ktrlplane.usage_distinct_values" : "ktrlplane.usage_rollups");
  const value = unique ? sql`count(DISTINCT value)` : rollupAggregate(meter.aggregation as never);
  const where = sql`resource_id = ${resourceId} AND event_name = ${meter.event_name}
    AND hour >= ${from.toISOString()}::timestamptz AND hour < ${to.toISOString()}::timestamptz`;
  const buckets = await rows(
    db,
    sql<UsageBucket>`
      SELECT date_trunc(${granularity}, hour, 'UTC') AS start, trim_scale(${value})::text AS value
      FROM ${table} WHERE ${where}
      GROUP BY 1 ORDER BY 1`.compile(sqlb),
  );
  const total = await rows(
    db,
    sql<{
      value: string | null;
    }>`SELECT trim_scale(${value})::text AS value FROM ${table} WHERE ${where}`.compile(sqlb),
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
  const inRange = sql`organization_id = ${organizationId}
    AND hour >= ${from.toISOString()}::timestamptz AND hour < ${to.toISOString()}::timestamptz`;
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
        FROM ktrlplane.usage_rollups
        WHERE ${inRange} AND event_name = ${m.event_name} ${page}
        GROUP BY project_id, resource_id, event_name`,
    ),
    ...(unique.length > 0
      ? [
          sql`
        SELECT project_id, resource_id, event_name, 'unique_count' AS aggregation,
               count(DISTINCT value) AS value
        FROM ktrlplane.usage_distinct_values
        WHERE ${inRange} AND event_name = ANY(${textArray(unique.map((m) => m.event_name))}) ${page}
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
