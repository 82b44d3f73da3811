import { type Expression, expressionBuilder, type Selectable, sql } from "kysely";
import type { Queryable } from "./database.js";
import type { DB, LoginThrottle } from "./schema.js";
import { execute, first, sqlb, textArray } from "./typed.js";

export type LoginThrottleRow = Selectable<LoginThrottle>;

/** The latest `locked_until` among `keys` that is still in the future, if any. */
export async function lockedUntil(options: {
  db: Queryable;
  keys: string[];
  at: Date;
}): Promise<Date | undefined> {
  const row = await first(
    options.db,
    sqlb
      .selectFrom("ktrlplane.login_throttle")
      .select((eb) => eb.fn.max("locked_until").as("until"))
      .where((eb) => eb("key", "=", eb.fn.any(textArray(options.keys))))
      .where("locked_until", ">", options.at),
  );
  const until = row?.until;
  return until ? new Date(until) : undefined;
}

/** `time ± seconds`: interval arithmetic, which Kysely has no builder for. */
function shiftSeconds(time: Expression<Date>, op: "+" | "-", seconds: Expression<number>) {
  return op === "+"
    ? sql<Date>`${time} + ${seconds} * interval '1 second'`
    : sql<Date>`${time} - ${seconds} * interval '1 second'`;
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
  // One INSERT … ON CONFLICT DO UPDATE: the count and the lock are computed from the row as it is
  // when the statement reaches it, so concurrent failures never overwrite each other.
  const eb = expressionBuilder<DB, "ktrlplane.login_throttle">();
  const atTime = eb.cast<Date>(eb.val(at), "timestamptz");
  const freeCount = eb.cast<number>(eb.val(free), "int4");
  const one = eb.lit(1);
  // The lock that `count` failures earn; null while they are few enough to be free.
  const lock = (count: Expression<number>) =>
    eb
      .case()
      .when(count, ">", freeCount)
      .then(
        shiftSeconds(
          atTime,
          "+",
          eb.fn<number>("least", [
            eb.cast<number>(eb.val(maxLockSeconds), "float8"),
            eb.fn<number>("power", [
              eb.cast<number>(eb.lit(2), "float8"),
              eb.fn<number>("least", [eb(eb(count, "-", freeCount), "-", one), eb.lit(30)]),
            ]),
          ]),
        ),
      )
      .end();
  // The stored row's count after this failure: an old count is forgotten after a quiet spell.
  const failures = eb
    .case()
    .when(
      "ktrlplane.login_throttle.last_failure_at",
      "<",
      shiftSeconds(atTime, "-", eb.cast<number>(eb.val(forgetAfterSeconds), "float8")),
    )
    .then(one)
    .else(eb("ktrlplane.login_throttle.failures", "+", one))
    .end();
  const row = await first(
    db,
    sqlb
      .insertInto("ktrlplane.login_throttle")
      .values({ key, failures: one, last_failure_at: at, locked_until: lock(one) })
      .onConflict((oc) =>
        oc.column("key").doUpdateSet({
          failures,
          last_failure_at: at,
          locked_until: lock(failures),
        }),
      )
      .returningAll(),
  );
  if (!row) throw new Error("login_throttle upsert returned no row");
  return row;
}

export async function clearLoginFailures(options: { db: Queryable; key: string }): Promise<void> {
  await execute(
    options.db,
    sqlb.deleteFrom("ktrlplane.login_throttle").where("key", "=", options.key),
  );
}
