import { sql } from "kysely";
import type { Queryable } from "./database.js";
import { bigintArray, execute, first, rows, sqlb } from "./typed.js";

export interface AccountSyncRow {
  billing_account_id: string;
  budget_window_start: Date | null;
  writes_in_window: number;
  next_attempt_at: Date | null;
  applied_state: unknown;
  last_synced_at: Date | null;
  last_full_sync_at: Date | null;
  drift: unknown[];
  last_error: string | null;
  attempts: number;
  /** The last full pass's comparison of the provider's charges with the ledger's (or null). */
  money_drift: unknown;
}

const now = sql<Date>`now()`;
/** `now() - ms`, with the milliseconds as one float8 parameter. */
const msAgo = (ms: number) => sql<Date>`now() - make_interval(secs => ${ms}::float8 / 1000)`;
const msFromNow = (ms: number) => sql<Date>`now() + make_interval(secs => ${ms}::float8 / 1000)`;

/**
 * Leases up to `limit` accounts that have unsynced change marks, oldest first. A burst is let
 * settle for `debounceMs` after its last mark (but never held back more than `maxWaitMs`), so
 * that a thousand creates become one pass. A lease expires on its own: a worker that dies holds
 * nothing for long. The conditional upsert makes two workers racing for one account safe.
 */
export async function leaseDirtyAccounts(options: {
  db: Queryable;
  owner: string;
  limit: number;
  leaseMs: number;
  debounceMs: number;
  maxWaitMs: number;
}): Promise<string[]> {
  const { db, owner, limit, leaseMs, debounceMs, maxWaitMs } = options;
  const candidates = await rows(
    db,
    sqlb
      .selectFrom("ktrlplane.billing_account_changes as c")
      .leftJoin(
        "ktrlplane.billing_account_sync as s",
        "s.billing_account_id",
        "c.billing_account_id",
      )
      .select("c.billing_account_id")
      .where((eb) =>
        eb.and([
          eb.or([eb("s.lease_until", "is", null), eb("s.lease_until", "<", now)]),
          eb.or([eb("s.next_attempt_at", "is", null), eb("s.next_attempt_at", "<=", now)]),
        ]),
      )
      .groupBy("c.billing_account_id")
      .having((eb) =>
        eb.or([
          eb(eb.fn.max("c.changed_at"), "<=", msAgo(debounceMs)),
          eb(eb.fn.min("c.changed_at"), "<=", msAgo(maxWaitMs)),
        ]),
      )
      .orderBy((eb) => eb.fn.min("c.id"))
      .limit(limit),
  );
  const leased: string[] = [];
  for (const { billing_account_id } of candidates) {
    if (await leaseAccount({ db, owner, billingAccountId: billing_account_id, leaseMs })) {
      leased.push(billing_account_id);
    }
  }
  return leased;
}

export async function leaseAccount(options: {
  db: Queryable;
  owner: string;
  billingAccountId: string;
  leaseMs: number;
}): Promise<boolean> {
  const leased = await rows(
    options.db,
    sqlb
      .insertInto("ktrlplane.billing_account_sync")
      .values({
        billing_account_id: options.billingAccountId,
        lease_owner: options.owner,
        lease_until: msFromNow(options.leaseMs),
      })
      .onConflict((oc) =>
        oc
          .column("billing_account_id")
          .doUpdateSet((eb) => ({
            lease_owner: eb.ref("excluded.lease_owner"),
            lease_until: eb.ref("excluded.lease_until"),
          }))
          .where((eb) =>
            eb.or([
              eb("ktrlplane.billing_account_sync.lease_until", "is", null),
              eb("ktrlplane.billing_account_sync.lease_until", "<", now),
              eb("ktrlplane.billing_account_sync.lease_owner", "=", eb.ref("excluded.lease_owner")),
            ]),
          ),
      )
      .returning("billing_account_id"),
  );
  return leased.length === 1;
}

/**
 * The change marks a pass is about to consume, read before the desired state. Marks committed
 * later (whatever their id: sequence order is not commit order) survive the pass and keep the
 * account dirty.
 */
export async function changeMarks(options: {
  db: Queryable;
  billingAccountId: string;
}): Promise<number[]> {
  const marks = await rows(
    options.db,
    sqlb
      .selectFrom("ktrlplane.billing_account_changes")
      .select("id")
      .where("billing_account_id", "=", options.billingAccountId)
      .orderBy("id"),
  );
  return marks.map((r) => r.id);
}

export async function recordSyncSuccess(options: {
  db: Queryable;
  billingAccountId: string;
  owner: string;
  consumedMarks: number[];
  appliedState: unknown;
  drift: unknown[];
  full: boolean;
  /** Provider writes the pass made, counted against the account's hourly budget. */
  writes: number;
}): Promise<void> {
  const { db, billingAccountId, owner, consumedMarks, appliedState, drift, full, writes } = options;
  await execute(
    db,
    sqlb
      .updateTable("ktrlplane.billing_account_sync")
      .set((eb) => {
        const windowOpen = eb("budget_window_start", ">", sql<Date>`now() - interval '1 hour'`);
        return {
          applied_state: JSON.stringify(appliedState),
          last_synced_at: now,
          last_full_sync_at: eb
            .case()
            .when(sql<boolean>`${full}`)
            .then(now)
            .else(eb.ref("last_full_sync_at"))
            .end(),
          drift: JSON.stringify(drift),
          last_error: null,
          attempts: 0,
          next_attempt_at: null,
          lease_owner: null,
          lease_until: null,
          writes_in_window: eb
            .case()
            .when(windowOpen)
            .then(eb("writes_in_window", "+", writes))
            .else(eb.val(writes))
            .end(),
          budget_window_start: eb
            .case()
            .when(windowOpen)
            .then(eb.ref("budget_window_start"))
            .else(now)
            .end(),
        };
      })
      .where("billing_account_id", "=", billingAccountId)
      .where("lease_owner", "=", owner),
  );
  await execute(
    db,
    sqlb
      .deleteFrom("ktrlplane.billing_account_changes")
      .where((eb) => eb("id", "=", eb.fn.any(bigintArray(consumedMarks)))),
  );
}

/**
 * The account spent its hourly write budget: its marks stay, so whatever changes meanwhile goes
 * out in one pass when the window ends. Until then it is only looked at once a minute, so that
 * its status still follows the provider.
 */
export async function deferSync(options: {
  db: Queryable;
  billingAccountId: string;
  owner: string;
}): Promise<void> {
  await execute(
    options.db,
    sqlb
      .updateTable("ktrlplane.billing_account_sync")
      .set((eb) => ({
        next_attempt_at: eb.fn<Date>("least", [
          sql<Date>`${eb.ref("budget_window_start")} + interval '1 hour'`,
          sql<Date>`now() + interval '1 minute'`,
        ]),
        lease_owner: null,
        lease_until: null,
      }))
      .where("billing_account_id", "=", options.billingAccountId)
      .where("lease_owner", "=", options.owner),
  );
}

/** Keeps the marks (the account stays dirty) and backs off exponentially, capped at 5 minutes. */
export async function recordSyncFailure(options: {
  db: Queryable;
  billingAccountId: string;
  owner: string;
  error: string;
}): Promise<void> {
  await execute(
    options.db,
    sqlb
      .updateTable("ktrlplane.billing_account_sync")
      .set((eb) => ({
        last_error: options.error.slice(0, 2000),
        attempts: eb("attempts", "+", 1),
        next_attempt_at: sql<Date>`now() + make_interval(secs => LEAST(300, 0.2 * power(2, LEAST(${eb.ref("attempts")}, 12))))`,
        lease_owner: null,
        lease_until: null,
      }))
      .where("billing_account_id", "=", options.billingAccountId)
      .where("lease_owner", "=", options.owner),
  );
}

/** Extends a lease this owner still holds; false once it expired or passed to someone else. */
export async function renewLease(options: {
  db: Queryable;
  owner: string;
  billingAccountId: string;
  leaseMs: number;
}): Promise<boolean> {
  const renewed = await rows(
    options.db,
    sqlb
      .updateTable("ktrlplane.billing_account_sync")
      .set({ lease_until: msFromNow(options.leaseMs) })
      .where("billing_account_id", "=", options.billingAccountId)
      .where("lease_owner", "=", options.owner)
      .where("lease_until", ">", now)
      .returning("billing_account_id"),
  );
  return renewed.length === 1;
}

export async function releaseLease(options: {
  db: Queryable;
  billingAccountId: string;
  owner: string;
}): Promise<void> {
  await execute(
    options.db,
    sqlb
      .updateTable("ktrlplane.billing_account_sync")
      .set({ lease_owner: null, lease_until: null })
      .where("billing_account_id", "=", options.billingAccountId)
      .where("lease_owner", "=", options.owner),
  );
}

export async function getAccountSync(options: {
  db: Queryable;
  billingAccountId: string;
}): Promise<(AccountSyncRow & { pending: number }) | undefined> {
  const { billingAccountId } = options;
  const row = await first(
    options.db,
    sqlb
      .selectFrom(sqlb.selectNoFrom(sql<string>`${billingAccountId}::text`.as("id")).as("a"))
      .leftJoin("ktrlplane.billing_account_sync as s", "s.billing_account_id", "a.id")
      .select([
        "s.billing_account_id",
        "s.budget_window_start",
        "s.writes_in_window",
        "s.next_attempt_at",
        "s.applied_state",
        "s.last_synced_at",
        "s.last_full_sync_at",
        "s.drift",
        "s.last_error",
        "s.attempts",
        "s.money_drift",
      ])
      .select((eb) =>
        eb
          .selectFrom("ktrlplane.billing_account_changes as c")
          .select(sql<number>`count(*)::int`.as("pending"))
          .where("c.billing_account_id", "=", billingAccountId)
          .as("pending"),
      ),
  );
  if (!row) return undefined;
  // The row always exists (the left join keeps the account) but its sync columns are null until
  // the account's first pass; callers read a null `billing_account_id` as "never synced".
  return row as unknown as AccountSyncRow & { pending: number };
}

/**
 * Accounts no pass has compared with the provider for `olderThanMs`. Every pass reads the
 * provider's whole state for its account, so one triggered by a change counts as well.
 */
export async function accountsDueForFullSync(options: {
  db: Queryable;
  olderThanMs: number;
  limit: number;
}): Promise<string[]> {
  const due = await rows(
    options.db,
    sqlb
      .selectFrom("ktrlplane.billing_accounts as a")
      .leftJoin("ktrlplane.billing_account_sync as s", "s.billing_account_id", "a.id")
      .select("a.id")
      .where((eb) =>
        eb.and([
          eb.or([eb("s.lease_until", "is", null), eb("s.lease_until", "<", now)]),
          eb.or([eb("s.next_attempt_at", "is", null), eb("s.next_attempt_at", "<=", now)]),
          eb.or([
            eb("s.last_synced_at", "is", null),
            eb("s.last_synced_at", "<", msAgo(options.olderThanMs)),
          ]),
        ]),
      )
      .orderBy("s.last_synced_at", (ob) => ob.asc().nullsFirst())
      .orderBy("a.id")
      .limit(options.limit),
  );
  return due.map((r) => r.id);
}

/** The reconciler's backlog for /metrics: two aggregates over the small sync tables. */
export async function readReconcilerBacklog(options: { db: Queryable }): Promise<{
  pendingAccounts: number;
  lagSeconds: number;
  writesThisHour: number;
  maxWritesThisHour: number;
  deferredAccounts: number;
}> {
  const changes = await first(
    options.db,
    sqlb
      .selectFrom("ktrlplane.billing_account_changes")
      .select([
        sql<number>`count(DISTINCT billing_account_id)`.as("accounts"),
        sql<number | null>`EXTRACT(EPOCH FROM (now() - min(changed_at)))::float8`.as("lag"),
      ]),
  );
  const windowOpen = sql<boolean>`budget_window_start > now() - interval '1 hour'`;
  const budget = await first(
    options.db,
    sqlb
      .selectFrom("ktrlplane.billing_account_sync")
      .select([
        sql<number | null>`sum(writes_in_window) FILTER (WHERE ${windowOpen})`.as("writes"),
        sql<number | null>`max(writes_in_window) FILTER (WHERE ${windowOpen})`.as("max_writes"),
        sql<number>`count(*) FILTER (WHERE next_attempt_at > now())`.as("deferred"),
      ]),
  );
  return {
    pendingAccounts: Number(changes?.accounts ?? 0),
    lagSeconds: Math.max(0, Number(changes?.lag ?? 0)),
    writesThisHour: Number(budget?.writes ?? 0),
    maxWritesThisHour: Number(budget?.max_writes ?? 0),
    deferredAccounts: Number(budget?.deferred ?? 0),
  };
}

/** Stores a full pass's money comparison; the row exists, the pass that made it recorded it. */
export async function recordMoneyDrift(options: {
  db: Queryable;
  billingAccountId: string;
  moneyDrift: unknown;
}): Promise<void> {
  await execute(
    options.db,
    sqlb
      .updateTable("ktrlplane.billing_account_sync")
      .set({ money_drift: JSON.stringify(options.moneyDrift) })
      .where("billing_account_id", "=", options.billingAccountId),
  );
}
