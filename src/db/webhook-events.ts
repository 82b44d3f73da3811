import type { Queryable } from "./database.js";
import { rows, sqlb } from "./typed.js";

/** Claims a provider webhook event id; false when it was taken already (a redelivery). */
export async function claimWebhookEvent(options: {
  db: Queryable;
  eventId: string;
  type: string;
  at: Date;
}): Promise<boolean> {
  const claimed = await rows(
    options.db,
    sqlb
      .insertInto("ktrlplane.stripe_webhook_events")
      .values({ event_id: options.eventId, type: options.type, received_at: options.at })
      .onConflict((oc) => oc.doNothing())
      .returning("event_id"),
  );
  return claimed.length === 1;
}
