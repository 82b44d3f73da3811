import { type RawBuilder, sql } from "kysely";
import type { Role } from "../domain/roles.js";
import type { Queryable } from "./database.js";
import { execute, rows, sqlb, textArray } from "./typed.js";
import { noteUsageChanges } from "./usage-changes.js";
import { rollupTableOf } from "./usage-rollups.js";

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

/** An event a void took out of the counts, as it was counted. */
interface VoidedEvent {
  event_id: string;
  resource_id: string;
  event_name: string;
  value: string;
  timestamp: Date;
  distinct_value: string | null;
}

/**
 * Marks the organization's events with these ids voided at `at`, unless they are already, and
 * takes them out of the hourly and daily rollups and distinct values; returns the ids this call
 * voided. Call it in a transaction: the marks and the rollups commit together.
 *
 * Voids of one organization take turns (a transaction-scoped advisory lock), so that the rollup
 * rows of every hour and day holding an event to void exist when they are locked: only a void
 * removes rows.
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
    sql<VoidedEvent>`
      UPDATE ktrlplane.usage_events SET voided_at = ${options.at.toISOString()}::timestamptz
      WHERE organization_id = ${organizationId} AND event_id = ANY(${textArray(options.ids)})
        AND voided_at IS NULL
      RETURNING event_id, resource_id, event_name, value::text, "timestamp", distinct_value`.compile(
      sqlb,
    ),
  );
  await unfoldVoidedEvents({ db, voided, at: options.at });
  return voided.map((v) => v.event_id);
}

/**
 * Takes voided events out of the rollups with work bounded by the void, not by the events of the
 * hours it touches:
 * - sum and count: the voided events' part is subtracted (exact: decimals and integers);
 * - max and "latest" cannot be undone by subtraction: an hour's are recomputed from its standing
 *   events only when a voided event held them (its value was the hour's max, or it was the
 *   hour's latest event);
 * - a distinct value leaves an hour only when no standing event of the hour still holds it: that
 *   check reads the hour's events of the meter only for unique_count meters' voided values;
 * - a day is rebuilt from its (at most 24) hour rows, its distinct values from its hours' values;
 * - rows of an hour or day left without events are removed (an empty hour has no maximum);
 * - the resources are noted as changed (usage-changes.ts), after the rollup rows, as ingestion.
 *
 * The hour rows, then the day rows, are locked first, in the order ingestion locks them
 * (usage-rollups.ts `foldIntoRollups`): an ingest into the same hour or day either committed
 * before these statements read anything, or waits and then adds its events to the rows as this
 * void leaves them (it writes distinct values only after locking its rollup rows).
 */
async function unfoldVoidedEvents(options: {
  db: Queryable;
  voided: VoidedEvent[];
  at: Date;
}): Promise<void> {
  const { db, voided, at } = options;
  if (voided.length === 0) return;
  const x = sql`unnest(${textArray(voided.map((v) => v.resource_id))},
    ${textArray(voided.map((v) => v.event_name))}, ${textArray(voided.map((v) => v.value))}::numeric[],
    ${sql`${voided.map((v) => new Date(v.timestamp).toISOString())}::timestamptz[]`},
    ${textArray(voided.map((v) => v.event_id))},
    ${sql`${voided.map((v) => v.distinct_value)}::text[]`}) AS x(r, n, v, t, i, d)`;
  const hourOf = sql`date_trunc('hour', t, 'UTC')`;
  const dayOf = sql`date_trunc('day', t, 'UTC')`;
  for (const [period, start] of [
    ["hour", hourOf],
    ["day", dayOf],
  ] as const) {
    const table = rollupTableOf(period);
    const column = sql.ref(`u.${period}`);
    await execute(
      db,
      sql`
        SELECT 1 FROM ${table} u, (SELECT DISTINCT r, n, ${start} AS at FROM ${x}) g
        WHERE u.resource_id = g.r AND u.event_name = g.n AND ${column} = g.at
        ORDER BY u.resource_id COLLATE "C", u.event_name COLLATE "C", ${column}
        FOR UPDATE OF u`.compile(sqlb),
    );
  }
  const hours = sql`(SELECT r, n, ${hourOf} AS at, sum(v) AS s, count(*) AS c, max(v) AS m,
    array_agg(i) AS ids FROM ${x} GROUP BY 1, 2, 3) g`;
  const inHour = sql`u.resource_id = g.r AND u.event_name = g.n AND u.hour = g.at`;
  await execute(
    db,
    sql`
      UPDATE ktrlplane.usage_rollups u SET sum = u.sum - g.s, count = u.count - g.c
      FROM ${hours} WHERE ${inHour}`.compile(sqlb),
  );
  await execute(
    db,
    sql`DELETE FROM ktrlplane.usage_rollups u USING ${hours} WHERE ${inHour} AND u.count = 0`.compile(
      sqlb,
    ),
  );
  const standingInHour = sql`e.resource_id = g.r AND e.event_name = g.n
    AND e."timestamp" >= g.at AND e."timestamp" < g.at + interval '1 hour' AND e.voided_at IS NULL`;
  await execute(
    db,
    sql`
      UPDATE ktrlplane.usage_rollups u
      SET max = s.max, latest_value = s.latest_value, latest_at = s.latest_at,
          latest_event_id = s.latest_event_id
      FROM (
        SELECT g.r, g.n, g.at, max(e.value) AS max,
               (array_agg(e.value ORDER BY e."timestamp" DESC, e.event_id COLLATE "C" DESC))[1]
                 AS latest_value,
               max(e."timestamp") AS latest_at,
               (array_agg(e.event_id ORDER BY e."timestamp" DESC, e.event_id COLLATE "C" DESC))[1]
                 AS latest_event_id
        FROM ${hours}
        JOIN ktrlplane.usage_rollups u ON ${inHour}
             AND (g.m >= u.max OR u.latest_event_id = ANY(g.ids))
        JOIN ktrlplane.usage_events e ON ${standingInHour}
        GROUP BY g.r, g.n, g.at
      ) s
      WHERE u.resource_id = s.r AND u.event_name = s.n AND u.hour = s.at`.compile(sqlb),
  );
  const values = (start: RawBuilder<unknown>) =>
    sql`(SELECT DISTINCT r, n, ${start} AS at, d FROM ${x} WHERE d IS NOT NULL) g`;
  await execute(
    db,
    sql`
      DELETE FROM ktrlplane.usage_distinct_values u USING ${values(hourOf)}
      WHERE ${inHour} AND u.value = g.d
        AND NOT EXISTS (SELECT 1 FROM ktrlplane.usage_events e
                        WHERE ${standingInHour} AND e.distinct_value = g.d)`.compile(sqlb),
  );
  const days = sql`(SELECT DISTINCT r, n, ${dayOf} AS at FROM ${x}) g`;
  const inDay = sql`u.resource_id = g.r AND u.event_name = g.n AND u.day = g.at`;
  const hoursOfDay = sql`h.resource_id = g.r AND h.event_name = g.n
    AND h.hour >= g.at AND h.hour < g.at + interval '24 hours'`;
  await execute(
    db,
    sql`DELETE FROM ktrlplane.usage_rollups_daily u USING ${days} WHERE ${inDay}`.compile(sqlb),
  );
  await execute(
    db,
    sql`
      INSERT INTO ktrlplane.usage_rollups_daily
        (organization_id, project_id, resource_id, event_name, day, sum, count, max,
         latest_value, latest_at, latest_event_id)
      SELECT min(h.organization_id), min(h.project_id), g.r, g.n, g.at, sum(h.sum), sum(h.count),
             max(h.max),
             (array_agg(h.latest_value ORDER BY h.latest_at DESC, h.latest_event_id COLLATE "C" DESC))[1],
             max(h.latest_at),
             (array_agg(h.latest_event_id ORDER BY h.latest_at DESC, h.latest_event_id COLLATE "C" DESC))[1]
      FROM ${days} JOIN ktrlplane.usage_rollups h ON ${hoursOfDay}
      GROUP BY g.r, g.n, g.at`.compile(sqlb),
  );
  await execute(
    db,
    sql`
      DELETE FROM ktrlplane.usage_distinct_values_daily u USING ${values(dayOf)}
      WHERE ${inDay} AND u.value = g.d
        AND NOT EXISTS (SELECT 1 FROM ktrlplane.usage_distinct_values h
                        WHERE ${hoursOfDay} AND h.value = g.d)`.compile(sqlb),
  );
  // A provider that was sent these events' usage is sent the lower figures on its next pass.
  await execute(db, noteUsageChanges({ source: sql`SELECT r FROM ${x}`, at }).compile(sqlb));
}
