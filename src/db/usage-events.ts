import { type RawBuilder, sql } from "kysely";
import type { Role } from "../domain/roles.js";
import type { Queryable } from "./database.js";
import { rows, sqlb, textArray } from "./typed.js";
import { noteUsageChanges } from "./usage-changes.js";
import { addDistinctValues, eventsAsPartials, foldIntoRollups, rollUp } from "./usage-rollups.js";

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
  /** `timestamp` as ISO 8601 text, formatted once for the digest and the statement. */
  timestamp_iso: string;
  /** Canonical JSON text. */
  properties: string;
  content_hash: string;
  distinct_value: string | null;
}

const texts = (events: StoredUsageEvent[], pick: (e: StoredUsageEvent) => string) =>
  textArray(events.map(pick));
const instants = (events: StoredUsageEvent[]) =>
  sql<Date[]>`${events.map((e) => e.timestamp_iso)}::timestamptz[]`;

/**
 * Claims the events' ids for their organizations, stores the events it claimed and folds them
 * into the hourly and daily rollups and distinct values, in the caller's transaction. Returns the
 * events it did not claim, by position in `events`, with the content digest their id stands for
 * (undefined if none could be read).
 *
 * One statement for all of it, each array sent once (see `storeClaimedSql`). Ids claimed before,
 * or by a concurrent batch that commits first, are not claimed: ON CONFLICT waits for that batch,
 * so a claim never stands without its event. Sorted, so that two batches sharing ids lock them in
 * one order and cannot deadlock.
 */
export async function claimAndStoreUsageEvents(options: {
  db: Queryable;
  events: StoredUsageEvent[];
  at: Date;
}): Promise<Map<number, string | undefined>> {
  const order = options.events.map((_, i) => i);
  order.sort((a, b) =>
    compareEvents(options.events[a] as StoredUsageEvent, options.events[b] as StoredUsageEvent),
  );
  const events = order.map((i) => options.events[i] as StoredUsageEvent);
  const unclaimed = new Map<number, string | undefined>();
  if (events.length === 0) return unclaimed;
  const input = sql`unnest(${texts(events, (e) => e.organization_id)}, ${texts(events, (e) => e.project_id)},
      ${texts(events, (e) => e.resource_id)}, ${texts(events, (e) => e.event_name)},
      ${texts(events, (e) => e.value)}::numeric[], ${instants(events)}, ${texts(events, (e) => e.event_id)},
      ${texts(events, (e) => e.properties)}, ${sql`${events.map((e) => e.distinct_value)}::text[]`},
      ${texts(events, (e) => e.content_hash)}) WITH ORDINALITY AS e(o, p, r, n, v, t, i, j, d, h, k)`;
  const found = await rows(
    options.db,
    sql<{
      k: string;
      standing: string | null;
    }>`${storeClaimedSql({ input, at: options.at })}`.compile(sqlb),
  );
  const unseen: number[] = [];
  for (const u of found) {
    const position = order[Number(u.k) - 1] as number;
    unclaimed.set(position, u.standing ?? undefined);
    if (u.standing === null) unseen.push(position);
  }
  // Claimed by a batch that committed while this statement waited on it: its row is not in this
  // statement's snapshot, but is in the next statement's.
  if (unseen.length > 0) {
    const hashes = await claimedContentHashes({
      db: options.db,
      events: unseen.map((i) => options.events[i] as StoredUsageEvent),
    });
    for (const i of unseen) {
      unclaimed.set(i, hashes.get(eventKey(options.events[i] as StoredUsageEvent)));
    }
  }
  return unclaimed;
}

/**
 * The batch's statement. Each step reads the previous one's output (the `(SELECT count(*) …) >= 0`
 * guards), which fixes their order — PostgreSQL runs unread data-modifying CTEs in no promised
 * order: claims, then events, then hourly rollups, daily rollups, hourly and daily distinct
 * values, then the resources' usage changes (usage-changes.ts: what the worker's usage round
 * takes). Rollup rows, then change rows, are locked last, in key order (as voids lock them: hours,
 * then days, then changes), so that concurrent batches hold the hot rows only from there to
 * commit; one change row per resource, ~100 a batch. Returns the events not
 * claimed, by ordinality, with the digest their id stands for when this snapshot sees it. The
 * events are joined to their claims once (`placed`): the stored ones and the answered ones are
 * both read from there.
 */
function storeClaimedSql(options: { input: RawBuilder<unknown>; at: Date }): RawBuilder<unknown> {
  const { input, at } = options;
  return sql`
    WITH input AS MATERIALIZED (SELECT * FROM ${input}),
    claimed AS (
      INSERT INTO ktrlplane.usage_event_ids (organization_id, event_id, content_hash, "timestamp")
      SELECT o, i, h, t FROM input ORDER BY k
      ON CONFLICT DO NOTHING
      RETURNING organization_id, event_id
    ),
    placed AS MATERIALIZED (
      SELECT e.*, c.event_id IS NOT NULL AS claimed FROM input e
      LEFT JOIN claimed c ON c.organization_id = e.o COLLATE "C" AND c.event_id = e.i COLLATE "C"
    ),
    fresh AS NOT MATERIALIZED (SELECT * FROM placed WHERE claimed),
    stored AS (
      INSERT INTO ktrlplane.usage_events
        (organization_id, project_id, resource_id, event_name, value, "timestamp", event_id,
         properties, distinct_value, received_at)
      SELECT o, p, r, n, v, t, i, j::jsonb, d, ${at.toISOString()}::timestamptz FROM fresh
      RETURNING 1
    ),
    hourly AS MATERIALIZED (${rollUp({ period: "hour", source: eventsAsPartials(sql`fresh`) })}),
    hours AS (${foldIntoRollups({ period: "hour", source: sql`hourly`, after: sql`stored` })}),
    days AS (${foldIntoRollups({
      period: "day",
      source: sql`(${rollUp({ period: "day", source: sql`SELECT * FROM hourly` })})`,
      after: sql`hours`,
    })}),
    hour_values AS (${addDistinctValues({ period: "hour", source: sql`fresh`, after: sql`days` })}),
    day_values AS (${addDistinctValues({ period: "day", source: sql`fresh`, after: sql`hour_values` })}),
    changes AS (${noteUsageChanges({
      source: sql`SELECT r FROM hourly WHERE (SELECT count(*) FROM day_values) >= 0`,
      at,
    })})
    SELECT e.k, (SELECT s.content_hash FROM ktrlplane.usage_event_ids s
                 WHERE s.organization_id = e.o AND s.event_id = e.i) AS standing
    FROM placed e
    WHERE NOT e.claimed AND (SELECT count(*) FROM changes) >= 0`;
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

/** By (organization, id) in code-unit order: one order for every batch, whatever the locale. */
function compareEvents(a: StoredUsageEvent, b: StoredUsageEvent): number {
  if (a.organization_id !== b.organization_id)
    return a.organization_id < b.organization_id ? -1 : 1;
  return a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0;
}
