import type { Queryable } from "./database.js";

export interface LoginThrottleRow {
  key: string;
  failures: number;
  last_failure_at: Date;
  locked_until: Date | null;
}

/** The latest `locked_until` among `keys` that is still in the future, if any. */
export async function lockedUntil(options: {
  db: Queryable;
  keys: string[];
  at: Date;
}): Promise<Date | undefined> {
  const rows = await options.db.query<{ until: Date | null }>(
    `SELECT max(locked_until) AS until FROM ktrlplane.login_throttle
     WHERE key = ANY($1::text[]) AND locked_until > $2`,
    [options.keys, options.at],
  );
  const until = rows[0]?.until;
  return until ? new Date(until) : undefined;
}

/**
 * Counts one failure on `key` atomically (concurrent failures all count) and locks the key for
 * `2^(failures - free - 1)` seconds once more than `free` failures happened, at most `maxLockSeconds`.
 * A key whose last failure is older than `forgetAfterSeconds` starts again from zero.
 */
export async function recordLoginFailure(options: {
  db: Queryable;
  key: string;
  at: Date;
  free: number;
  maxLockSeconds: number;
  forgetAfterSeconds: number;
}): Promise<LoginThrottleRow> {
  const { db, key, at, free, maxLockSeconds, forgetAfterSeconds } = options;
  const failures =
    "CASE WHEN t.last_failure_at < $2::timestamptz - $5::float8 * interval '1 second' THEN 1 ELSE t.failures + 1 END";
  const lock = (count: string) =>
    `CASE WHEN ${count} > $3::int THEN $2::timestamptz + least($4::float8, power(2::float8, least(${count} - $3::int - 1, 30))) * interval '1 second' END`;
  const rows = await db.query<LoginThrottleRow>(
    `INSERT INTO ktrlplane.login_throttle AS t (key, failures, last_failure_at, locked_until)
     VALUES ($1, 1, $2, ${lock("1")})
     ON CONFLICT (key) DO UPDATE SET
       failures = ${failures}, last_failure_at = $2, locked_until = ${lock(`(${failures})`)}
     RETURNING *`,
    [key, at, free, maxLockSeconds, forgetAfterSeconds],
  );
  return rows[0] as LoginThrottleRow;
}

export async function clearLoginFailures(options: { db: Queryable; key: string }): Promise<void> {
  await options.db.query("DELETE FROM ktrlplane.login_throttle WHERE key = $1", [options.key]);
}
