import type { Selectable } from "kysely";
import type { Queryable } from "./database.js";
import type { StripeMeterEvents } from "./schema.js";
import { execute, first, rows, sqlb } from "./typed.js";

/** One meter event the reconciler planned for Stripe; `sent_at` is null until Stripe answered. */
export type StripeMeterEventRow = Selectable<StripeMeterEvents>;

export async function findStripeMeterId(options: {
  db: Queryable;
  eventName: string;
}): Promise<string | undefined> {
  const row = await first(
    options.db,
    sqlb
      .selectFrom("ktrlplane.stripe_meters")
      .select("meter_id")
      .where("event_name", "=", options.eventName),
  );
  return row?.meter_id;
}

export async function storeStripeMeterId(options: {
  db: Queryable;
  eventName: string;
  meterId: string;
}): Promise<void> {
  await execute(
    options.db,
    sqlb
      .insertInto("ktrlplane.stripe_meters")
      .values({ event_name: options.eventName, meter_id: options.meterId })
      .onConflict((oc) => oc.doNothing()),
  );
}

/** The events of one account's periods (a line per meter and period), oldest first. */
export async function stripeMeterEvents(options: {
  db: Queryable;
  billingAccountId: string;
  periodStarts: Date[];
}): Promise<StripeMeterEventRow[]> {
  if (options.periodStarts.length === 0) return [];
  return rows(
    options.db,
    sqlb
      .selectFrom("ktrlplane.stripe_meter_events")
      .selectAll()
      .where("billing_account_id", "=", options.billingAccountId)
      .where("period_start", "in", options.periodStarts)
      .orderBy("event_name")
      .orderBy("period_start")
      .orderBy("seq"),
  );
}

/**
 * Records an event before it is sent. A concurrent pass that planned the same sequence number
 * first wins (the caller's lease makes that rare): false tells the caller to plan again.
 */
export async function planStripeMeterEvent(options: {
  db: Queryable;
  event: Omit<StripeMeterEventRow, "sent_at">;
}): Promise<boolean> {
  const inserted = await rows(
    options.db,
    sqlb
      .insertInto("ktrlplane.stripe_meter_events")
      .values({ ...options.event, sent_at: null })
      .onConflict((oc) => oc.doNothing())
      .returning("seq"),
  );
  return inserted.length === 1;
}

/** Stripe answered: the event is counted there. */
export async function markStripeMeterEventSent(options: {
  db: Queryable;
  identifier: string;
  at: Date;
}): Promise<void> {
  await execute(
    options.db,
    sqlb
      .updateTable("ktrlplane.stripe_meter_events")
      .set({ sent_at: options.at })
      .where("identifier", "=", options.identifier)
      .where("sent_at", "is", null),
  );
}
