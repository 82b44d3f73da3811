import { type RawBuilder, sql } from "kysely";
import type { Queryable } from "./database.js";
import { execute, first, rows, sqlb, textArray } from "./typed.js";

/**
 * Marks, for each (resource, instant) of `source`, the period of every account the resource was
 * billed to in that hour as needing a re-check at the account's next finalization. Pending marks
 * are touched (a row lock, see `lockPendingMarks`), so that a finalization either sees this
 * transaction's events or leaves a pending mark behind for the next one.
 */
async function insertMarks(options: {
  db: Queryable;
  source: RawBuilder<unknown>;
  at: Date;
}): Promise<void> {
  const at = sql`${options.at.toISOString()}::timestamptz`;
  await execute(
    options.db,
    sql`
      INSERT INTO ktrlplane.late_usage_marks
        (billing_account_id, period_start, first_marked_at, last_marked_at)
      SELECT DISTINCT i.billing_account_id, date_trunc('month', e.t, 'UTC'), ${at}, ${at}
      FROM (${options.source}) AS e(r, t)
      JOIN ktrlplane.billing_intervals i ON i.resource_id = e.r
        AND i.started_at < date_trunc('hour', e.t, 'UTC') + interval '1 hour'
        AND (i.ended_at IS NULL OR i.ended_at > date_trunc('hour', e.t, 'UTC'))
      -- One order for every writer, so that two batches never wait on each other's marks in turn.
      ORDER BY 1, 2
      ON CONFLICT (billing_account_id, period_start) WHERE consumed_at IS NULL
      DO UPDATE SET last_marked_at = excluded.last_marked_at`.compile(sqlb),
  );
}

/**
 * Ingestion's part: events dated before `closedBefore` (the current period's start) may fall in a
 * period already invoiced. Call in the transaction that stores them; costs nothing otherwise.
 */
export async function markLateUsage(options: {
  db: Queryable;
  events: { resource_id: string; timestamp: Date }[];
  closedBefore: Date;
  at: Date;
}): Promise<void> {
  // One row per resource and hour: that is all a mark depends on (a batch may hold thousands).
  const hours = new Map<string, { resource_id: string; timestamp: Date }>();
  for (const e of options.events) {
    if (e.timestamp >= options.closedBefore) continue;
    const hour = new Date(Math.floor(e.timestamp.getTime() / 3_600_000) * 3_600_000);
    hours.set(`${e.resource_id}\u0000${hour.getTime()}`, {
      resource_id: e.resource_id,
      timestamp: hour,
    });
  }
  const late = [...hours.values()];
  if (late.length === 0) return;
  await insertMarks({
    db: options.db,
    at: options.at,
    source: sql`SELECT * FROM unnest(${textArray(late.map((e) => e.resource_id))},
      ${late.map((e) => e.timestamp.toISOString())}::timestamptz[])`,
  });
}

/** Voids' part: the voided events of the organization dated before `closedBefore`. */
export async function markLateVoids(options: {
  db: Queryable;
  organizationId: string;
  eventIds: string[];
  closedBefore: Date;
  at: Date;
}): Promise<void> {
  if (options.eventIds.length === 0) return;
  await insertMarks({
    db: options.db,
    at: options.at,
    source: sql`SELECT resource_id, "timestamp" FROM ktrlplane.usage_events
      WHERE organization_id = ${options.organizationId}
        AND event_id = ANY(${textArray(options.eventIds)})
        AND "timestamp" < ${options.closedBefore.toISOString()}::timestamptz`,
  });
}

function pendingMarksQuery(options: { billingAccountId: string; before: Date }) {
  // Served by the partial index on pending marks: costs the marks it returns, never the consumed.
  return sqlb
    .selectFrom("ktrlplane.late_usage_marks")
    .select("period_start")
    .where("billing_account_id", "=", options.billingAccountId)
    .where("consumed_at", "is", null)
    .where("period_start", "<", options.before)
    .orderBy("period_start");
}

/**
 * The account's pending marks for periods before `before`, locked until the transaction ends:
 * a batch still writing late events for one of them commits first (and is then seen by the reads
 * that follow); one that comes later waits, finds the mark consumed and opens a new one.
 */
export async function lockPendingMarks(options: {
  db: Queryable;
  billingAccountId: string;
  before: Date;
}): Promise<Date[]> {
  const found = await rows(options.db, pendingMarksQuery(options).forUpdate());
  return found.map((m) => m.period_start);
}

/** The same marks unlocked: what a preview of the next finalization reads. */
export async function readPendingMarks(options: {
  db: Queryable;
  billingAccountId: string;
  before: Date;
}): Promise<Date[]> {
  const found = await rows(options.db, pendingMarksQuery(options));
  return found.map((m) => m.period_start);
}

export async function hasPendingMarks(options: {
  db: Queryable;
  billingAccountId: string;
  before: Date;
}): Promise<boolean> {
  return (await first(options.db, pendingMarksQuery(options).limit(1))) !== undefined;
}

/** Consumes the pending marks of these periods: kept, with the invoice that re-checked them. */
export async function consumeMarks(options: {
  db: Queryable;
  billingAccountId: string;
  periodStarts: Date[];
  at: Date;
  invoiceId: string | null;
}): Promise<void> {
  if (options.periodStarts.length === 0) return;
  await execute(
    options.db,
    sqlb
      .updateTable("ktrlplane.late_usage_marks")
      .set({ consumed_at: options.at, consumed_by_invoice_id: options.invoiceId })
      .where("billing_account_id", "=", options.billingAccountId)
      .where("consumed_at", "is", null)
      .where("period_start", "in", options.periodStarts),
  );
}
