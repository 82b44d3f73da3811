import type { Queryable } from "./database.js";
import { execute, first, rows, sqlb } from "./typed.js";

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
  const inserted = await rows(
    db,
    sqlb
      .insertInto("ktrlplane.idempotency_keys")
      .values({ user_id: userId, key, request_hash: requestHash, created_at: at })
      .onConflict((oc) => oc.columns(["user_id", "key"]).doNothing())
      .returning("key"),
  );
  if (inserted.length === 1) return { kind: "claimed" };
  const stored = await first(
    db,
    sqlb
      .selectFrom("ktrlplane.idempotency_keys")
      .select(["request_hash", "response_status", "response_body"])
      .where("user_id", "=", userId)
      .where("key", "=", key),
  );
  if (!stored || stored.request_hash !== requestHash) return { kind: "reused" };
  // A claim is only visible once its transaction stored the response (a concurrent claim waits).
  return { kind: "replay", status: stored.response_status as number, body: stored.response_body };
}

export async function storeIdempotentResponse(options: {
  db: Queryable;
  userId: string;
  key: string;
  status: number;
  body: unknown;
}): Promise<void> {
  await execute(
    options.db,
    sqlb
      .updateTable("ktrlplane.idempotency_keys")
      .set({ response_status: options.status, response_body: JSON.stringify(options.body) })
      .where("user_id", "=", options.userId)
      .where("key", "=", options.key),
  );
}
