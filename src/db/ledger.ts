import type { LedgerInterval } from "../domain/charges.js";
import type { Queryable } from "./database.js";
import type { ResourceRow } from "./resources.js";

export interface OpenInterval {
  resource_id: string;
  project_id: string;
  billing_account_id: string;
  resource_type: string;
  sku: string;
}

/**
 * Every ledger write leaves a dirty mark on the accounts it touched, in the caller's transaction:
 * the provider's worker brings those accounts in step with the ledger afterwards. Marks carry the
 * database's time, not the billing clock: they pace the worker (debounce), they bill nothing.
 */
export async function markAccountsChanged(options: {
  db: Queryable;
  accountIds: Iterable<string>;
}): Promise<void> {
  const ids = [...new Set(options.accountIds)];
  if (ids.length === 0) return;
  await options.db.query(
    `INSERT INTO ktrlplane.billing_account_changes (billing_account_id, changed_at)
     SELECT unnest($1::text[]), now()`,
    [ids],
  );
}

export async function openIntervals(options: {
  db: Queryable;
  intervals: OpenInterval[];
  at: Date;
}): Promise<void> {
  const { db, intervals, at } = options;
  if (intervals.length === 0) return;
  await db.query(
    `INSERT INTO ktrlplane.billing_intervals
       (resource_id, project_id, billing_account_id, resource_type, sku, started_at)
     SELECT * , $6::timestamptz FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])`,
    [
      intervals.map((i) => i.resource_id),
      intervals.map((i) => i.project_id),
      intervals.map((i) => i.billing_account_id),
      intervals.map((i) => i.resource_type),
      intervals.map((i) => i.sku),
      at,
    ],
  );
  await markAccountsChanged({ db, accountIds: intervals.map((i) => i.billing_account_id) });
}

/** Closes the open intervals of these resources at `at` and returns what was closed. */
export async function closeIntervals(options: {
  db: Queryable;
  resourceIds: string[];
  at: Date;
}): Promise<OpenInterval[]> {
  const { db, resourceIds, at } = options;
  if (resourceIds.length === 0) return [];
  const closed = await db.query<OpenInterval>(
    `UPDATE ktrlplane.billing_intervals SET ended_at = GREATEST($2::timestamptz, started_at)
     WHERE resource_id = ANY($1::text[]) AND ended_at IS NULL
     RETURNING resource_id, project_id, billing_account_id, resource_type, sku`,
    [resourceIds, at],
  );
  await markAccountsChanged({ db, accountIds: closed.map((i) => i.billing_account_id) });
  return closed;
}

export async function openIntervalsOfProject(options: {
  db: Queryable;
  projectId: string;
}): Promise<OpenInterval[]> {
  return options.db.query<OpenInterval>(
    `SELECT resource_id, project_id, billing_account_id, resource_type, sku
     FROM ktrlplane.billing_intervals WHERE project_id = $1 AND ended_at IS NULL
     ORDER BY resource_id`,
    [options.projectId],
  );
}

/** Active quantity per price on an account: the count of its open intervals. */
export async function activeQuantities(options: {
  db: Queryable;
  billingAccountId: string;
}): Promise<{ resource_type: string; sku: string; quantity: number }[]> {
  return options.db.query(
    `SELECT resource_type, sku, count(*)::int AS quantity FROM ktrlplane.billing_intervals
     WHERE billing_account_id = $1 AND ended_at IS NULL
     GROUP BY resource_type, sku ORDER BY resource_type, sku`,
    [options.billingAccountId],
  );
}

/** The intervals that overlap [from, to) on the given accounts. */
export async function intervalsOverlapping(options: {
  db: Queryable;
  billingAccountIds: string[];
  from: Date;
  to: Date;
}): Promise<LedgerInterval[]> {
  return options.db.query<LedgerInterval>(
    `SELECT resource_id, project_id, billing_account_id, resource_type, sku, started_at, ended_at
     FROM ktrlplane.billing_intervals
     WHERE billing_account_id = ANY($1::text[]) AND started_at < $3 AND (ended_at IS NULL OR ended_at > $2)
     ORDER BY id`,
    [options.billingAccountIds, options.from, options.to],
  );
}

/**
 * A new resource, its open interval on the paying account and the account's dirty mark, in one
 * statement: the hot path of every create costs a single round trip.
 */
export async function insertResourceAndStartBilling(options: {
  db: Queryable;
  resource: ResourceRow;
  billingAccountId: string;
}): Promise<void> {
  const r = options.resource;
  await options.db.query(
    `WITH resource AS (
       INSERT INTO ktrlplane.resources (id, organization_id, project_id, name, resource_type, sku, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id
     ), opened AS (
       INSERT INTO ktrlplane.billing_intervals
         (resource_id, project_id, billing_account_id, resource_type, sku, started_at)
       SELECT id, $3, $8, $5, $6, $7 FROM resource
     )
     INSERT INTO ktrlplane.billing_account_changes (billing_account_id, changed_at) VALUES ($8, now())`,
    [
      r.id,
      r.organization_id,
      r.project_id,
      r.name,
      r.resource_type,
      r.sku,
      r.created_at,
      options.billingAccountId,
    ],
  );
}

/**
 * Marks one resource deleted, closes its open interval at `at` and marks the account dirty, in
 * one statement. False when the resource was deleted already (a concurrent delete won).
 */
export async function deleteResourceAndStopBilling(options: {
  db: Queryable;
  resourceId: string;
  at: Date;
}): Promise<boolean> {
  const rows = await options.db.query<{ deleted: number }>(
    `WITH deleted AS (
       UPDATE ktrlplane.resources SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL RETURNING id
     ), closed AS (
       UPDATE ktrlplane.billing_intervals SET ended_at = GREATEST($2::timestamptz, started_at)
       WHERE resource_id IN (SELECT id FROM deleted) AND ended_at IS NULL
       RETURNING billing_account_id
     ), marked AS (
       INSERT INTO ktrlplane.billing_account_changes (billing_account_id, changed_at)
       SELECT billing_account_id, now() FROM closed
     )
     SELECT count(*)::int AS deleted FROM deleted`,
    [options.resourceId, options.at],
  );
  return (rows[0]?.deleted ?? 0) > 0;
}
