import type { Queryable } from "../db/database.js";
import { touchSession } from "../db/sessions.js";
import { AppError } from "../domain/errors.js";

/** A session ends after this long without a request (sliding expiry). */
export const sessionIdleMs = 14 * 24 * 60 * 60 * 1000;
/** `last_used_at` moves at most this often: most requests only read. */
export const touchEveryMs = 60 * 1000;

/** Sessions used after this are alive at `now`. */
export function idleSince(now: Date): Date {
  return new Date(now.getTime() - sessionIdleMs);
}

/** Moves the session's `last_used_at` to `now` when it is `touchEveryMs` old or more. */
export async function touchSessionIfDue(options: {
  db: Queryable;
  tokenHash: string;
  now: Date;
  lastUsed: Date;
}): Promise<void> {
  const { db, tokenHash, now } = options;
  if (now.getTime() - new Date(options.lastUsed).getTime() < touchEveryMs) return;
  await touchSession({
    db,
    tokenHash,
    at: now,
    unlessAfter: new Date(now.getTime() - touchEveryMs),
  });
}

export function unauthenticated(): AppError {
  return new AppError({
    code: "unauthenticated",
    message: "A valid bearer token is required (Authorization: Bearer <token>)",
  });
}
