import type { Queryable } from "./database.js";

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
}

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
  const candidates = await db.query<{ billing_account_id: string }>(
    `SELECT c.billing_account_id
     FROM ktrlplane.billing_account_changes c
     LEFT JOIN ktrlplane.billing_account_sync s ON s.billing_account_id = c.billing_account_id
     WHERE (s.lease_until IS NULL OR s.lease_until < now())
       AND (s.next_attempt_at IS NULL OR s.next_attempt_at <= now())
     GROUP BY c.billing_account_id
     HAVING max(c.changed_at) <= now() - make_interval(secs => $1::float8 / 1000)
         OR min(c.changed_at) <= now() - make_interval(secs => $2::float8 / 1000)
     ORDER BY min(c.id)
     LIMIT $3`,
    [debounceMs, maxWaitMs, limit],
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
  const rows = await options.db.query(
    `INSERT INTO ktrlplane.billing_account_sync (billing_account_id, lease_owner, lease_until)
     VALUES ($1, $2, now() + make_interval(secs => $3::float8 / 1000))
     ON CONFLICT (billing_account_id) DO UPDATE
       SET lease_owner = EXCLUDED.lease_owner, lease_until = EXCLUDED.lease_until
       WHERE ktrlplane.billing_account_sync.lease_until IS NULL
          OR ktrlplane.billing_account_sync.lease_until < now()
          OR ktrlplane.billing_account_sync.lease_owner = EXCLUDED.lease_owner
     RETURNING billing_account_id`,
    [options.billingAccountId, options.owner, options.leaseMs],
  );
  return rows.length === 1;
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
  const rows = await options.db.query<{ id: number }>(
    "SELECT id FROM ktrlplane.billing_account_changes WHERE billing_account_id = $1 ORDER BY id",
    [options.billingAccountId],
  );
  return rows.map((r) => Number(r.id));
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
  await db.query(
    `UPDATE ktrlplane.billing_account_sync SET
       applied_state = $2, last_synced_at = now(),
       last_full_sync_at = CASE WHEN $3 THEN now() ELSE last_full_sync_at END,
       drift = $4, last_error = NULL, attempts = 0, next_attempt_at = NULL,
       lease_owner = NULL, lease_until = NULL,
       writes_in_window = CASE WHEN budget_window_start > now() - interval '1 hour'
                               THEN writes_in_window + $6 ELSE $6 END,
       budget_window_start = CASE WHEN budget_window_start > now() - interval '1 hour'
                                  THEN budget_window_start ELSE now() END
     WHERE billing_account_id = $1 AND lease_owner = $5`,
    [billingAccountId, JSON.stringify(appliedState), full, JSON.stringify(drift), owner, writes],
  );
  await db.query("DELETE FROM ktrlplane.billing_account_changes WHERE id = ANY($1::bigint[])", [
    consumedMarks,
  ]);
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
  await options.db.query(
    `UPDATE ktrlplane.billing_account_sync
     SET next_attempt_at = LEAST(budget_window_start + interval '1 hour', now() + interval '1 minute'),
         lease_owner = NULL, lease_until = NULL
     WHERE billing_account_id = $1 AND lease_owner = $2`,
    [options.billingAccountId, options.owner],
  );
}

/** Keeps the marks (the account stays dirty) and backs off exponentially, capped at 5 minutes. */
export async function recordSyncFailure(options: {
  db: Queryable;
  billingAccountId: string;
  owner: string;
  error: string;
}): Promise<void> {
  await options.db.query(
    `UPDATE ktrlplane.billing_account_sync SET
       last_error = $2, attempts = attempts + 1,
       next_attempt_at = now() + make_interval(secs => LEAST(300, 0.2 * power(2, LEAST(attempts, 12)))),
       lease_owner = NULL, lease_until = NULL
     WHERE billing_account_id = $1 AND lease_owner = $3`,
    [options.billingAccountId, options.error.slice(0, 2000), options.owner],
  );
}

/** Extends a lease this owner still holds; false once it expired or passed to someone else. */
export async function renewLease(options: {
  db: Queryable;
  owner: string;
  billingAccountId: string;
  leaseMs: number;
}): Promise<boolean> {
  const rows = await options.db.query(
    `UPDATE ktrlplane.billing_account_sync
     SET lease_until = now() + make_interval(secs => $3::float8 / 1000)
     WHERE billing_account_id = $1 AND lease_owner = $2 AND lease_until > now()
     RETURNING billing_account_id`,
    [options.billingAccountId, options.owner, options.leaseMs],
  );
  return rows.length === 1;
}

export async function releaseLease(options: {
  db: Queryable;
  billingAccountId: string;
  owner: string;
}): Promise<void> {
  await options.db.query(
    "UPDATE ktrlplane.billing_account_sync SET lease_owner = NULL, lease_until = NULL WHERE billing_account_id = $1 AND lease_owner = $2",
    [options.billingAccountId, options.owner],
  );
}

export async function getAccountSync(options: {
  db: Queryable;
  billingAccountId: string;
}): Promise<(AccountSyncRow & { pending: number }) | undefined> {
  const rows = await options.db.query<AccountSyncRow & { pending: number }>(
    `SELECT s.*, (SELECT count(*)::int FROM ktrlplane.billing_account_changes c
                  WHERE c.billing_account_id = $1) AS pending
     FROM (SELECT $1::text AS id) a
     LEFT JOIN ktrlplane.billing_account_sync s ON s.billing_account_id = a.id`,
    [options.billingAccountId],
  );
  return rows[0];
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
  const rows = await options.db.query<{ id: string }>(
    `SELECT a.id FROM ktrlplane.billing_accounts a
     LEFT JOIN ktrlplane.billing_account_sync s ON s.billing_account_id = a.id
     WHERE (s.lease_until IS NULL OR s.lease_until < now())
       AND (s.next_attempt_at IS NULL OR s.next_attempt_at <= now())
       AND (s.last_synced_at IS NULL OR s.last_synced_at < now() - make_interval(secs => $1::float8 / 1000))
     ORDER BY s.last_synced_at NULLS FIRST, a.id LIMIT $2`,
    [options.olderThanMs, options.limit],
  );
  return rows.map((r) => r.id);
}
