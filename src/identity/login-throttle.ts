import { createHash } from "node:crypto";
import type { Queryable } from "../db/database.js";
import { clearLoginFailures, lockedUntil, recordLoginFailure } from "../db/login-throttle.js";
import { AppError } from "../domain/errors.js";

/**
 * Exponential backoff on failed log-ins, per account and per client address, kept in the
 * database so that every API process sees the same counts. Past `free` failures a key is locked
 * for 1 s, then 2 s, 4 s… up to 15 minutes; a key with no failure for a day starts afresh.
 * The account key is a digest of the email as typed (known or not), so a lock says nothing about
 * whether the account exists, and no unknown address is stored in clear.
 */
export const loginThrottlePolicy = {
  account: { free: 5 },
  address: { free: 20 },
  maxLockSeconds: 15 * 60,
  forgetAfterSeconds: 24 * 60 * 60,
};

export function throttleKeys(options: { email: string; address: string | undefined }): {
  account: string;
  address: string | undefined;
} {
  const email = options.email.normalize("NFKC").trim().toLowerCase();
  return {
    account: `account:${createHash("sha256").update(email).digest("hex")}`,
    address: options.address ? `address:${options.address}` : undefined,
  };
}

/** Throws 429 `rate_limited` (with `retry_after` seconds) while any of the keys is locked. */
export async function assertNotThrottled(options: {
  db: Queryable;
  keys: (string | undefined)[];
  at: Date;
}): Promise<void> {
  const keys = options.keys.filter((k): k is string => k !== undefined);
  const until = await lockedUntil({ db: options.db, keys, at: options.at });
  if (!until) return;
  const retryAfter = Math.max(1, Math.ceil((until.getTime() - options.at.getTime()) / 1000));
  throw new AppError({
    code: "rate_limited",
    message: `Too many failed attempts; try again in ${retryAfter} s`,
    details: { retry_after: retryAfter },
  });
}

export async function recordFailure(options: {
  db: Queryable;
  key: string;
  kind: "account" | "address";
  at: Date;
}): Promise<void> {
  await recordLoginFailure({
    db: options.db,
    key: options.key,
    at: options.at,
    free: loginThrottlePolicy[options.kind].free,
    maxLockSeconds: loginThrottlePolicy.maxLockSeconds,
    forgetAfterSeconds: loginThrottlePolicy.forgetAfterSeconds,
  });
}

export async function clearAccountFailures(options: { db: Queryable; key: string }): Promise<void> {
  await clearLoginFailures(options);
}
