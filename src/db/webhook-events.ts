import type { Queryable } from "./database.js";

/** Claims a provider webhook event id; false when it was taken already (a redelivery). */
export async function claimWebhookEvent(options: {
  db: Queryable;
  eventId: string;
  type: string;
  at: Date;
}): Promise<boolean> {
  const rows = await options.db.query(
    `INSERT INTO ktrlplane.stripe_webhook_events (event_id, type, received_at) VALUES ($1, $2, $3)
     ON CONFLICT DO NOTHING RETURNING event_id`,
    [options.eventId, options.type, options.at],
  );
  return rows.length === 1;
}
