import { sql } from "kysely";
import type { Role } from "../domain/roles.js";
import type { Queryable } from "./database.js";
import { execute, rows, sqlb, textArray } from "./typed.js";

/** A resource named by events, with the caller's roles where it lives (none: not theirs). */
export interface UsageTarget {
  id: string;
  organization_id: string;
  project_id: string;
  created_at: Date;
  deleted_at: Date | null;
  organization_role: Role | null;
  project_role: Role | null;
}

/** The resources of a batch, deleted ones included (late events before the deletion count). */
export async function findUsageTargets(options: {
  db: Queryable;
  userId: string;
  resourceIds: string[];
}): Promise<UsageTarget[]> {
  const { userId } = options;
  return rows(
    options.db,
    sqlb
      .selectFrom("ktrlplane.resources as r")
      .leftJoin("ktrlplane.memberships as om", (join) =>
        join
          .on("om.user_id", "=", userId)
          .onRef("om.organization_id", "=", "r.organization_id")
          .on("om.project_id", "is", null),
      )
      .leftJoin("ktrlplane.memberships as pm", (join) =>
        join.on("pm.user_id", "=", userId).onRef("pm.project_id", "=", "r.project_id"),
      )
      .select([
        "r.id",
        "r.organization_id",
        "r.project_id",
        "r.created_at",
        "r.deleted_at",
        "om.role as organization_role",
        "pm.role as project_role",
      ])
      .where((eb) => eb("r.id", "=", eb.fn.any(textArray(options.resourceIds)))),
  );
}

/** An event ready to be stored: checked, canonical, and placed in its organization and project. */
export interface StoredUsageEvent {
  organization_id: string;
  project_id: string;
  resource_id: string;
  event_id: string;
  event_name: string;
  value: string;
  timestamp: Date;
  /** Canonical JSON text. */
  properties: string;
  content_hash: string;
  distinct_value: string | null;
}

const texts = (events: StoredUsageEvent[], pick: (e: StoredUsageEvent) => string) =>
  textArray(events.map(pick));
const instants = (events: StoredUsageEvent[]) =>
  sql<Date[]>`${events.map((e) => e.timestamp.toISOString())}::timestamptz[]`;

/**
 * Claims the events' ids for their organizations; returns the keys this call claimed. Ids claimed
 * before, or by a concurrent batch that commits first, are not returned: ON CONFLICT waits for
 * that batch, so a claim never stands without its event. Sorted, so that two batches sharing ids
 * lock them in one order and cannot deadlock.
 */
export async function claimUsageEventIds(options: {
  db: Queryable;
  events: StoredUsageEvent[];
}): Promise<Set<string>> {
  const events = [...options.events].sort((a, b) =>
    compareText(
      `${a.organization_id}\u0000${a.event_id}`,
      `${b.organization_id}\u0000${b.event_id}`,
    ),
  );
  if (events.length === 0) return new Set();
  const claimed = await rows(
    options.db,
    sql<{ organization_id: string; event_id: string }>`
      INSERT INTO ktrlplane.usage_event_ids (organization_id, event_id, content_hash, "timestamp")
      SELECT * FROM unnest(${texts(events, (e) => e.organization_id)}, ${texts(events, (e) => e.event_id)},
                           ${texts(events, (e) => e.content_hash)}, ${instants(events)})
      ON CONFLICT DO NOTHING
      RETURNING organization_id, event_id`.compile(sqlb),
  );
  return new Set(claimed.map((c) => eventKey(c)));
}

/** The content digests of ids claimed earlier, by `eventKey`. */
export async function claimedContentHashes(options: {
  db: Queryable;
  events: StoredUsageEvent[];
}): Promise<Map<string, string>> {
  if (options.events.length === 0) return new Map();
  const found = await rows(
    options.db,
    sqlb
      .selectFrom("ktrlplane.usage_event_ids")
      .select(["organization_id", "event_id", "content_hash"])
      .where((eb) =>
        eb.and([
          eb(
            "organization_id",
            "=",
            eb.fn.any(textArray([...new Set(options.events.map((e) => e.organization_id))])),
          ),
          eb("event_id", "=", eb.fn.any(textArray(options.events.map((e) => e.event_id)))),
        ]),
      ),
  );
  return new Map(found.map((f) => [eventKey(f), f.content_hash]));
}

export function eventKey(e: { organization_id: string; event_id: string }): string {
  return `${e.organization_id}\u0000${e.event_id}`;
}

/** Byte order, as PostgreSQL's "C" collation: the same on every database and locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Writes the events and folds them into the hourly rollups and distinct values, in the caller's
 * transaction: three statements whatever the batch's size.
 */
export async function storeUsageEvents(options: {
  db: Queryable;
  events: StoredUsageEvent[];
  at: Date;
}): Promise<void> {
  const { db, events } = options;
  if (events.length === 0) return;
  const columns = sql`${texts(events, (e) => e.organization_id)}, ${texts(events, (e) => e.project_id)},
    ${texts(events, (e) => e.resource_id)}, ${texts(events, (e) => e.event_name)},
    ${texts(events, (e) => e.value)}::numeric[], ${instants(events)}, ${texts(events, (e) => e.event_id)}`;
  await execute(
    db,
    sql`
      INSERT INTO ktrlplane.usage_events
        (organization_id, project_id, resource_id, event_name, value, "timestamp", event_id,
         properties, distinct_value, received_at)
      SELECT o, p, r, n, v, t, i, j::jsonb, d, ${options.at.toISOString()}::timestamptz
      FROM unnest(${columns}, ${texts(events, (e) => e.properties)},
                  ${sql`${events.map((e) => e.distinct_value)}::text[]`})
        AS e(o, p, r, n, v, t, i, j, d)`.compile(sqlb),
  );
  // One row per resource × meter × hour of the batch, added to what the hour holds already; in
  // key order, so that concurrent batches lock rollup rows in one order.
  await execute(
    db,
    sql`
      INSERT INTO ktrlplane.usage_rollups AS r
        (organization_id, project_id, resource_id, event_name, hour, sum, count, max,
         latest_value, latest_at, latest_event_id)
      SELECT o, p, r, n, date_trunc('hour', t, 'UTC'), sum(v), count(*), max(v),
             (array_agg(v ORDER BY t DESC, i COLLATE "C" DESC))[1], max(t),
             (array_agg(i ORDER BY t DESC, i COLLATE "C" DESC))[1]
      FROM unnest(${columns}) AS e(o, p, r, n, v, t, i)
      GROUP BY o, p, r, n, date_trunc('hour', t, 'UTC')
      ORDER BY r COLLATE "C", n COLLATE "C", date_trunc('hour', t, 'UTC')
      ON CONFLICT (resource_id, event_name, hour) DO UPDATE SET
        sum = r.sum + excluded.sum,
        count = r.count + excluded.count,
        max = greatest(r.max, excluded.max),
        latest_value = CASE WHEN (excluded.latest_at, excluded.latest_event_id COLLATE "C")
                                 > (r.latest_at, r.latest_event_id COLLATE "C")
                            THEN excluded.latest_value ELSE r.latest_value END,
        latest_event_id = CASE WHEN (excluded.latest_at, excluded.latest_event_id COLLATE "C")
                                    > (r.latest_at, r.latest_event_id COLLATE "C")
                               THEN excluded.latest_event_id ELSE r.latest_event_id END,
        latest_at = greatest(r.latest_at, excluded.latest_at)`.compile(sqlb),
  );
  const counted = events.filter((e) => e.distinct_value !== null);
  if (counted.length === 0) return;
  await execute(
    db,
    sql`
      INSERT INTO ktrlplane.usage_distinct_values
        (organization_id, project_id, resource_id, event_name, hour, value)
      SELECT DISTINCT o, p, r, n, date_trunc('hour', t, 'UTC'), d
      FROM unnest(${texts(counted, (e) => e.organization_id)}, ${texts(counted, (e) => e.project_id)},
                  ${texts(counted, (e) => e.resource_id)}, ${texts(counted, (e) => e.event_name)},
                  ${instants(counted)}, ${texts(counted, (e) => e.distinct_value ?? "")})
        AS e(o, p, r, n, t, d)
      ORDER BY r, n, date_trunc('hour', t, 'UTC'), d
      ON CONFLICT DO NOTHING`.compile(sqlb),
  );
}
