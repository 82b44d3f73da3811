import { sql } from "kysely";
import type { LedgerInterval } from "../domain/charges.js";
import type { Queryable } from "./database.js";
import type { ResourceRow } from "./resources.js";
import { cached, execute, first, rows, sqlb, textArray } from "./typed.js";

export interface OpenInterval {
  resource_id: string;
  project_id: string;
  billing_account_id: string;
  resource_type: string;
  sku: string;
}

const now = sql<Date>`now()`;

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
  await execute(
    options.db,
    sqlb
      .insertInto("ktrlplane.billing_account_changes")
      .columns(["billing_account_id", "changed_at"])
      .expression(
        sqlb.selectNoFrom([sql<string>`unnest(${textArray(ids)})`.as("id"), now.as("at")]),
      ),
  );
}

export async function openIntervals(options: {
  db: Queryable;
  intervals: OpenInterval[];
  at: Date;
}): Promise<void> {
  const { db, intervals, at } = options;
  if (intervals.length === 0) return;
  // One row per interval from parallel arrays (unnest in the select list zips arrays of equal
  // length): the same statement text for any count.
  const column = <C extends keyof OpenInterval>(name: C) =>
    sql<string>`unnest(${textArray(intervals.map((i) => i[name]))})`.as(name);
  await execute(
    db,
    sqlb
      .insertInto("ktrlplane.billing_intervals")
      .columns([
        "resource_id",
        "project_id",
        "billing_account_id",
        "resource_type",
        "sku",
        "started_at",
      ])
      .expression(
        sqlb.selectNoFrom([
          column("resource_id"),
          column("project_id"),
          column("billing_account_id"),
          column("resource_type"),
          column("sku"),
          sql<Date>`${at}::timestamptz`.as("started_at"),
        ]),
      ),
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
  const closed = await rows(
    db,
    sqlb
      .updateTable("ktrlplane.billing_intervals")
      .set((eb) => ({
        ended_at: eb.fn<Date>("greatest", [sql<Date>`${at}::timestamptz`, "started_at"]),
      }))
      .where((eb) => eb("resource_id", "=", eb.fn.any(textArray(resourceIds))))
      .where("ended_at", "is", null)
      .returning(["resource_id", "project_id", "billing_account_id", "resource_type", "sku"]),
  );
  await markAccountsChanged({ db, accountIds: closed.map((i) => i.billing_account_id) });
  return closed;
}

export async function openIntervalsOfProject(options: {
  db: Queryable;
  projectId: string;
}): Promise<OpenInterval[]> {
  return rows(
    options.db,
    sqlb
      .selectFrom("ktrlplane.billing_intervals")
      .select(["resource_id", "project_id", "billing_account_id", "resource_type", "sku"])
      .where("project_id", "=", options.projectId)
      .where("ended_at", "is", null)
      .orderBy("resource_id"),
  );
}

/** Open intervals of the organization's live projects that inherit its primary account. */
export async function openIntervalsOfInheritingProjects(options: {
  db: Queryable;
  organizationId: string;
}): Promise<OpenInterval[]> {
  return rows(
    options.db,
    sqlb
      .selectFrom("ktrlplane.billing_intervals as i")
      .innerJoin("ktrlplane.projects as p", "p.id", "i.project_id")
      .select(["i.resource_id", "i.project_id", "i.billing_account_id", "i.resource_type", "i.sku"])
      .where("p.organization_id", "=", options.organizationId)
      .where("p.billing_mode", "=", "inherit")
      .where("p.deleted_at", "is", null)
      .where("i.ended_at", "is", null)
      .orderBy("i.resource_id"),
  );
}

/** Active quantity per price on an account: the count of its open intervals. */
export async function activeQuantities(options: {
  db: Queryable;
  billingAccountId: string;
}): Promise<{ resource_type: string; sku: string; quantity: number }[]> {
  return rows(
    options.db,
    sqlb
      .selectFrom("ktrlplane.billing_intervals")
      .select(["resource_type", "sku", sql<number>`count(*)::int`.as("quantity")])
      .where("billing_account_id", "=", options.billingAccountId)
      .where("ended_at", "is", null)
      .groupBy(["resource_type", "sku"])
      .orderBy("resource_type")
      .orderBy("sku"),
  );
}

/** `activeQuantities` of several accounts in one statement (a page of accounts described). */
export async function activeQuantitiesOfAccounts(options: {
  db: Queryable;
  billingAccountIds: string[];
}): Promise<
  { billing_account_id: string; resource_type: string; sku: string; quantity: number }[]
> {
  return rows(
    options.db,
    sqlb
      .selectFrom("ktrlplane.billing_intervals")
      .select([
        "billing_account_id",
        "resource_type",
        "sku",
        sql<number>`count(*)::int`.as("quantity"),
      ])
      .where((eb) => eb("billing_account_id", "=", eb.fn.any(textArray(options.billingAccountIds))))
      .where("ended_at", "is", null)
      .groupBy(["billing_account_id", "resource_type", "sku"])
      .orderBy("billing_account_id")
      .orderBy("resource_type")
      .orderBy("sku"),
  );
}

/** The intervals that overlap [from, to) on the given accounts. */
export async function intervalsOverlapping(options: {
  db: Queryable;
  billingAccountIds: string[];
  from: Date;
  to: Date;
}): Promise<LedgerInterval[]> {
  return rows(
    options.db,
    sqlb
      .selectFrom("ktrlplane.billing_intervals")
      .select([
        "resource_id",
        "project_id",
        "billing_account_id",
        "resource_type",
        "sku",
        "started_at",
        "ended_at",
      ])
      .where((eb) =>
        eb.and([
          eb("billing_account_id", "=", eb.fn.any(textArray(options.billingAccountIds))),
          eb("started_at", "<", options.to),
          eb.or([eb("ended_at", "is", null), eb("ended_at", ">", options.from)]),
        ]),
      )
      .orderBy("id"),
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
  await execute(
    options.db,
    insertResourceAndStartBillingQuery({
      ...options.resource,
      billing_account_id: options.billingAccountId,
    }),
  );
}

const insertResourceAndStartBillingQuery = cached(
  (r: Omit<ResourceRow, "deleted_at"> & { billing_account_id: string }) =>
    sqlb
      .with("resource", (db) =>
        db
          .insertInto("ktrlplane.resources")
          .values({
            id: r.id,
            organization_id: r.organization_id,
            project_id: r.project_id,
            name: r.name,
            resource_type: r.resource_type,
            sku: r.sku,
            created_at: r.created_at,
          })
          .returning("id"),
      )
      .with("opened", (db) =>
        db
          .insertInto("ktrlplane.billing_intervals")
          .columns([
            "resource_id",
            "project_id",
            "billing_account_id",
            "resource_type",
            "sku",
            "started_at",
          ])
          .expression((eb) =>
            eb
              .selectFrom("resource")
              .select((eb) => [
                "id",
                eb.val(r.project_id).as("project_id"),
                eb.val(r.billing_account_id).as("billing_account_id"),
                eb.val(r.resource_type).as("resource_type"),
                eb.val(r.sku).as("sku"),
                sql<Date>`${r.created_at}::timestamptz`.as("started_at"),
              ]),
          ),
      )
      .insertInto("ktrlplane.billing_account_changes")
      .values({ billing_account_id: r.billing_account_id, changed_at: now }),
);

/**
 * Marks one resource deleted, closes its open interval at `at` and marks the account dirty, in
 * one statement. False when the resource was deleted already (a concurrent delete won).
 */
export async function deleteResourceAndStopBilling(options: {
  db: Queryable;
  resourceId: string;
  at: Date;
}): Promise<boolean> {
  const row = await first(options.db, deleteResourceAndStopBillingQuery(options));
  return (row?.deleted ?? 0) > 0;
}

const deleteResourceAndStopBillingQuery = cached(
  ({ resourceId, at }: { resourceId: string; at: Date }) =>
    sqlb
      .with("deleted", (db) =>
        db
          .updateTable("ktrlplane.resources")
          .set({ deleted_at: at })
          .where("id", "=", resourceId)
          .where("deleted_at", "is", null)
          .returning("id"),
      )
      .with("closed", (db) =>
        db
          .updateTable("ktrlplane.billing_intervals")
          .set((eb) => ({
            ended_at: eb.fn<Date>("greatest", [sql<Date>`${at}::timestamptz`, "started_at"]),
          }))
          .where("resource_id", "in", (eb) => eb.selectFrom("deleted").select("deleted.id"))
          .where("ended_at", "is", null)
          .returning("billing_account_id"),
      )
      .with("marked", (db) =>
        db
          .insertInto("ktrlplane.billing_account_changes")
          .columns(["billing_account_id", "changed_at"])
          .expression((eb) =>
            eb.selectFrom("closed").select(["billing_account_id", now.as("changed_at")]),
          ),
      )
      .selectFrom("deleted")
      .select(sql<number>`count(*)::int`.as("deleted")),
);
