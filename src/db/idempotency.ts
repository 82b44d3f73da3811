import type { Queryable } from "./database.js";

export type IdempotencyClaim =
  | { kind: "claimed" }
  | { kind: "replay"; status: number; body: unknown }
  | { kind: "reused" };

/**
 * Claims (user, key) inside the caller's transaction. A concurrent claim of the same key waits on
 * the unique index until the first transaction ends, then sees its stored response: one write,
 * one result, however many retries.
 */
export async function claimIdempotencyKey(options: {
  db: Queryable;
  userId: string;
  key: string;
  requestHash: string;
  at: Date;
}): Promise<IdempotencyClaim> {
  const { db, userId, key, requestHash, at } = options;
  const inserted = await db.query(
    `INSERT INTO ktrlplane.idempotency_keys (user_id, key, request_hash, created_at)
     VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, key) DO NOTHING RETURNING key`,
    [userId, key, requestHash, at],
  );
  if (inserted.length === 1) return { kind: "claimed" };
  const rows = await db.query<{
    request_hash: string;
    response_status: number;
    response_body: unknown;
  }>(
    "SELECT request_hash, response_status, response_body FROM ktrlplane.idempotency_keys WHERE user_id = $1 AND key = $2",
    [userId, key],
  );
  const stored = rows[0];
  if (!stored || stored.request_hash !== requestHash) return { kind: "reused" };
  return { kind: "replay", status: stored.response_status, body: stored.response_body };
}

export async function storeIdempotentResponse(options: {
  db: Queryable;
  userId: string;
  key: string;
  status: number;
  body: unknown;
}): Promise<void> {
  await options.db.query(
    "UPDATE ktrlplane.idempotency_keys SET response_status = $3, response_body = $4 WHERE user_id = $1 AND key = $2",
    [options.userId, options.key, options.status, JSON.stringify(options.body)],
  );
}
