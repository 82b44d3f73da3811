import { sql } from "kysely";
import type { Role } from "../domain/roles.js";
import type { Queryable } from "./database.js";
import { execute, rows, sqlb, textArray } from "./typed.js";

/** An event named by a void, with the caller's roles where it lives. */
export interface VoidTarget {
  organization_id: string;
  event_id: string;
  project_id: string;
  voided_at: Date | null;
  organization_role: Role | null;
  project_role: Role | null;
}

/**
 * The events with these ids in the organizations the caller belongs to (any role, at either
 * scope): others' events are never read. Looked up by (organization, id), the events' key.
 */
export async function findVoidTargets(options: {
  db: Queryable;
  userId: string;
  ids: string[];
}): Promise<VoidTarget[]> {
  const { userId } = options;
  return rows(
    options.db,
    sqlb
      .selectFrom("ktrlplane.usage_events as e")
      .leftJoin("ktrlplane.memberships as om", (join) =>
        join
          .on("om.user_id", "=", userId)
          .onRef("om.organization_id", "=", "e.organization_id")
          .on("om.project_id", "is", null),
      )
      .leftJoin("ktrlplane.memberships as pm", (join) =>
        join.on("pm.user_id", "=", userId).onRef("pm.project_id", "=", "e.project_id"),
      )
      .select([
        "e.organization_id",
        "e.event_id",
        "e.project_id",
        "e.voided_at",
        "om.role as organization_role",
        "pm.role as project_role",
      ])
      .where("e.organization_id", "in", (eb) =>
        eb
          .selectFrom("ktrlplane.memberships")
          .select("organization_id")
          .where("user_id", "=", userId),
      )
      .where((eb) => eb("e.event_id", "=", eb.fn.any(textArray(options.ids)))),
  );
}

/** One resource × meter × hour that a void changed. */
interface UsageHour {
  resource_id: string;
  event_name: string;
  hour: Date;
}

/**
 * Marks the organization's events with these ids voided at `at`, unless they are already, and
 * recomputes the hours they counted in; returns the ids this call voided. Call it in a
 * transaction: the marks and the rollups commit together.
 *
 * Voids of one organization take turns (a transaction-scoped advisory lock), so that the rollup
 * row of every hour holding an event to void exists when it is locked: only a void removes rows.
 */
export async function voidUsageEvents(options: {
  db: Queryable;
  organizationId: string;
  ids: string[];
  at: Date;
}): Promise<string[]> {
  const { db, organizationId } = options;
  await execute(
    db,
    sql`SELECT pg_advisory_xact_lock(7242014, hashtext(${organizationId}))`.compile(sqlb),
  );
  const voided = await rows(
    db,
    sql<UsageHour & { event_id: string }>`
      UPDATE ktrlplane.usage_events SET voided_at = ${options.at.toISOString()}::timestamptz
      WHERE organization_id = ${organizationId} AND event_id = ANY(${textArray(options.ids)})
        AND voided_at IS NULL
      RETURNING event_id, resource_id, event_name, date_trunc('hour', "timestamp", 'UTC') AS hour`.compile(
      sqlb,
    ),
  );
  const hours = new Map<string, UsageHour>();
  for (const v of voided) {
    hours.set(`${v.resource_id}\u0000${v.event_name}\u0000${new Date(v.hour).toISOString()}`, v);
  }
  await recomputeUsageHours({ db, hours: [...hours.values()] });
  return voided.map((v) => v.event_id);
}

/**
 * Rebuilds the rollup row and the distinct values of each hour from its events still standing:
 * MAX and "latest" cannot be undone by subtraction, and a distinct value stays while any standing
 * event of the hour holds it. Derived rows of an hour left without events are removed (an empty
 * hour has no maximum). The rollup rows are locked first, in the order ingestion locks them: an
 * ingest into the same hour either commits before the recompute reads the events, or waits and
 * then adds its events to the rebuilt row.
 */
async function recomputeUsageHours(options: { db: Queryable; hours: UsageHour[] }): Promise<void> {
  const { db, hours } = options;
  if (hours.length === 0) return;
  const affected = sql`unnest(${textArray(hours.map((h) => h.resource_id))},
    ${textArray(hours.map((h) => h.event_name))},
    ${sql`${hours.map((h) => new Date(h.hour).toISOString())}::timestamptz[]`}) AS g(r, n, h)`;
  await execute(
    db,
    sql`
      SELECT 1 FROM ktrlplane.usage_rollups u, ${affected}
      WHERE u.resource_id = g.r AND u.event_name = g.n AND u.hour = g.h
      ORDER BY u.resource_id COLLATE "C", u.event_name COLLATE "C", u.hour
      FOR UPDATE OF u`.compile(sqlb),
  );
  const standing = sql`
    SELECT e.organization_id AS o, e.project_id AS p, g.r, g.n, g.h, e.value AS v,
           e."timestamp" AS t, e.event_id AS i, e.distinct_value AS d
    FROM ${affected}
    JOIN ktrlplane.usage_events e ON e.resource_id = g.r AND e.event_name = g.n
      AND e."timestamp" >= g.h AND e."timestamp" < g.h + interval '1 hour'
    WHERE e.voided_at IS NULL`;
  await execute(
    db,
    sql`
      DELETE FROM ktrlplane.usage_rollups u USING ${affected}
      WHERE u.resource_id = g.r AND u.event_name = g.n AND u.hour = g.h`.compile(sqlb),
  );
  await execute(
    db,
    sql`
      INSERT INTO ktrlplane.usage_rollups
        (organization_id, project_id, resource_id, event_name, hour, sum, count, max,
         latest_value, latest_at, latest_event_id)
      SELECT o, p, r, n, h, sum(v), count(*), max(v),
             (array_agg(v ORDER BY t DESC, i COLLATE "C" DESC))[1], max(t),
             (array_agg(i ORDER BY t DESC, i COLLATE "C" DESC))[1]
      FROM (${standing}) AS s
      GROUP BY o, p, r, n, h`.compile(sqlb),
  );
  await execute(
    db,
    sql`
      DELETE FROM ktrlplane.usage_distinct_values u USING ${affected}
      WHERE u.resource_id = g.r AND u.event_name = g.n AND u.hour = g.h`.compile(sqlb),
  );
  await execute(
    db,
    sql`
      INSERT INTO ktrlplane.usage_distinct_values
        (organization_id, project_id, resource_id, event_name, hour, value)
      SELECT DISTINCT o, p, r, n, h, d FROM (${standing}) AS s WHERE d IS NOT NULL`.compile(sqlb),
  );
}
