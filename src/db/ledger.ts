import { sql } from "kysely";
import type { LedgerInterval } from "../domain/charges.js";
import { AppError } from "../domain/errors.js";
import type { VersionMove } from "../domain/price-versions.js";
import { priceKey, QUANTITY_LIMIT } from "../domain/pricing.js";
import type { Queryable, Transaction } from "./database.js";
import type { ResourceRow } from "./resources.js";
import { cached, execute, first, firstAndCommit, rows, sqlb, textArray } from "./typed.js";

/** An interval's columns a move carries over: a resource keeps its price version when it changes account. */
const intervalColumns = [
  "resource_id",
  "project_id",
  "billing_account_id",
  "resource_type",
  "sku",
  "price_version",
] as const;

const now = sql<Date>`now()`;

/**
 * Whether ledger writes leave change marks: only under a provider that keeps a copy of the ledger
 * to bring in step. Decided by the provider chosen at boot, never per request. A provider that
 * later takes over the same database finds the accounts by its first full pass (accounts no pass
 * of its own has compared: `accountsDueForFullSync`), not by marks.
 */
export function writesChangeMarks(provider: { readonly keepsNoCopy?: true }): boolean {
  return provider.keepsNoCopy !== true;
}

/**
 * A ledger write under a provider that keeps a copy leaves a dirty mark on the accounts it
 * touched, in the caller's transaction: the provider's worker brings those accounts in step with
 * the ledger afterwards. Marks carry the database's time, not the billing clock: they pace the
 * worker (debounce), they bill nothing.
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

/**
 * Moving resources onto an account, or creating one there, may not take it past QUANTITY_LIMIT of
 * one price (of `price` alone when given). Call after the write: its intervals count.
 */
export async function refuseQuantitiesOverLimit(options: {
  db: Queryable;
  accountIds: string[];
  price?: { resource_type: string; sku: string };
}): Promise<void> {
  const { price } = options;
  const over = await first(
    options.db,
    sqlb
      .selectFrom("ktrlplane.billing_intervals")
      .select(["billing_account_id", "resource_type", "sku", sql<number>`count(*)::int`.as("n")])
      .where((eb) => eb("billing_account_id", "=", eb.fn.any(textArray(options.accountIds))))
      .where("ended_at", "is", null)
      .$if(price !== undefined, (q) =>
        q
          .where("resource_type", "=", price?.resource_type ?? "")
          .where("sku", "=", price?.sku ?? ""),
      )
      .groupBy(["billing_account_id", "resource_type", "sku"])
      .having(sql`count(*)`, ">", QUANTITY_LIMIT)
      .limit(1),
  );
  if (over) throw quantityLimit(over);
}

function quantityLimit(options: { resource_type: string; sku: string }): AppError {
  return new AppError({
    code: "quantity_limit",
    message: `The paying billing account would hold more than ${QUANTITY_LIMIT.toLocaleString("en-US")} active resources of ${options.resource_type} (${options.sku}), the most one account may hold`,
    details: { resource_type: options.resource_type, sku: options.sku, limit: QUANTITY_LIMIT },
  });
}

/** Closes the open intervals of these resources at `at` and returns what was closed. */
/**
 * Closes the open intervals of the scope's live resources at `at` (a project's, when it is
 * deleted): one statement whatever their count, reached through the resources' project index.
 */
export async function closeIntervals(options: {
  db: Queryable;
  scope: ProjectScope;
  at: Date;
  /** `writesChangeMarks(provider)`. */
  marks: boolean;
}): Promise<void> {
  const { db, scope, at } = options;
  const left = await rows(
    db,
    sqlb
      .with("closed", (db) =>
        db
          .updateTable("ktrlplane.billing_intervals")
          .set((eb) => ({
            ended_at: eb.fn<Date>("greatest", [sql<Date>`${at}::timestamptz`, "started_at"]),
          }))
          .where("ended_at", "is", null)
          .where("resource_id", "in", resourcesOf(scope))
          .returning("billing_account_id"),
      )
      .selectFrom("closed")
      .select("billing_account_id")
      .distinct(),
  );
  if (options.marks && left.length > 0) {
    await markAccountsChanged({ db, accountIds: left.map((i) => i.billing_account_id) });
  }
}

/**
 * Whose open intervals a billing switch moves (or a deletion closes): one project's, or those of
 * every live project that inherits its organization's primary account.
 */
export type ProjectScope = { projectId: string } | { inheritingProjectsOf: string };

/** The live projects of the scope. */
function projectsOf(scope: ProjectScope) {
  return "projectId" in scope
    ? sqlb.selectFrom("ktrlplane.projects").select("id").where("id", "=", scope.projectId)
    : sqlb
        .selectFrom("ktrlplane.projects")
        .select("id")
        .where("organization_id", "=", scope.inheritingProjectsOf)
        .where("billing_mode", "=", "inherit")
        .where("deleted_at", "is", null);
}

/**
 * The live resources of the scope's projects. The ledger has no index by project: through the
 * resources (by project, migration 009) and their one open row each (its unique index), the
 * database can reach the rows a switch moves without scanning every organization's ledger.
 */
function resourcesOf(scope: ProjectScope) {
  return sqlb
    .selectFrom("ktrlplane.resources")
    .select("id")
    .where("project_id", "in", projectsOf(scope))
    .where("deleted_at", "is", null);
}

/**
 * What moving the scope's open intervals onto `toAccountId` would move: how many resources (their
 * open intervals not on the target already) and the scope's live projects. Counted by the
 * database: the answer is two numbers however many resources move.
 */
export async function countIntervalMove(options: {
  db: Queryable;
  scope: ProjectScope;
  toAccountId: string;
}): Promise<{ resources: number; projects: number }> {
  const { scope, toAccountId } = options;
  const found = await first(
    options.db,
    sqlb.selectNoFrom((eb) => [
      eb
        .selectFrom(projectsOf(scope).as("p"))
        .select(sql<number>`count(*)::int`.as("n"))
        .as("projects"),
      eb
        .selectFrom("ktrlplane.billing_intervals")
        .select(sql<number>`count(*)::int`.as("n"))
        .where("ended_at", "is", null)
        .where("billing_account_id", "<>", toAccountId)
        .where("resource_id", "in", resourcesOf(scope))
        .as("resources"),
    ]),
  );
  return { resources: found?.resources ?? 0, projects: found?.projects ?? 0 };
}

/**
 * Closes the scope's open intervals that are not on `toAccountId` at `at` and opens their
 * successors there at the very same instant, each at the price version it was billed at: one
 * statement, whatever the count (the successors are inserted from the closed rows the update
 * returns). Marks the accounts left and the target (with `marks`) and refuses a target past
 * QUANTITY_LIMIT.
 */
export async function moveIntervals(options: {
  db: Queryable;
  scope: ProjectScope;
  toAccountId: string;
  at: Date;
  /** `writesChangeMarks(provider)`. */
  marks: boolean;
}): Promise<void> {
  const { db, scope, toAccountId } = options;
  const at = sql<Date>`${options.at}::timestamptz`;
  // The accounts the intervals left: one row each, whatever the count.
  const left = await rows(
    db,
    sqlb
      .with("closed", (db) =>
        db
          .updateTable("ktrlplane.billing_intervals")
          .set((eb) => ({ ended_at: eb.fn<Date>("greatest", [at, "started_at"]) }))
          .where("ended_at", "is", null)
          .where("billing_account_id", "<>", toAccountId)
          .where("resource_id", "in", resourcesOf(scope))
          .returning([...intervalColumns]),
      )
      .with("opened", (db) =>
        db
          .insertInto("ktrlplane.billing_intervals")
          .columns([...intervalColumns, "started_at"])
          .expression((eb) =>
            eb
              .selectFrom("closed")
              .select((eb) => [
                "resource_id",
                "project_id",
                eb.val(toAccountId).as("billing_account_id"),
                "resource_type",
                "sku",
                "price_version",
                at.as("started_at"),
              ]),
          ),
      )
      .selectFrom("closed")
      .select("billing_account_id")
      .distinct(),
  );
  if (left.length === 0) return;
  await refuseQuantitiesOverLimit({ db, accountIds: [toAccountId] });
  if (options.marks) {
    await markAccountsChanged({
      db,
      accountIds: [...left.map((account) => account.billing_account_id), toAccountId],
    });
  }
}

/**
 * Active quantity per price version on each account: the count of its open intervals, by the
 * version each records (a move that is due but not yet cut is applied by `versionAt`). One
 * statement for a page of accounts.
 */
export async function activeQuantitiesOfAccounts(options: {
  db: Queryable;
  billingAccountIds: string[];
}): Promise<
  {
    billing_account_id: string;
    resource_type: string;
    sku: string;
    price_version: number;
    quantity: number;
  }[]
> {
  return rows(
    options.db,
    sqlb
      .selectFrom("ktrlplane.billing_intervals")
      .select([
        "billing_account_id",
        "resource_type",
        "sku",
        "price_version",
        sql<number>`count(*)::int`.as("quantity"),
      ])
      .where((eb) => eb("billing_account_id", "=", eb.fn.any(textArray(options.billingAccountIds))))
      .where("ended_at", "is", null)
      .groupBy(["billing_account_id", "resource_type", "sku", "price_version"])
      .orderBy("billing_account_id")
      .orderBy("resource_type")
      .orderBy("sku")
      .orderBy("price_version"),
  );
}

/** The intervals that overlap [from, to) on the given accounts, of the given prices (or all). */
export async function intervalsOverlapping(options: {
  db: Queryable;
  billingAccountIds: string[];
  from: Date;
  to: Date;
  prices?: { resource_type: string; sku: string }[];
}): Promise<LedgerInterval[]> {
  const { prices } = options;
  // Open rows by their own index, closed ones by their end (migration 012): a recent window
  // costs what it holds, not the account's whole history before it.
  const branch = (open: boolean) =>
    sqlb
      .selectFrom("ktrlplane.billing_intervals")
      .select([
        "id",
        "resource_id",
        "project_id",
        "billing_account_id",
        "resource_type",
        "sku",
        "price_version",
        "started_at",
        "ended_at",
      ])
      .where("billing_account_id", "=", (eb) => eb.fn.any(textArray(options.billingAccountIds)))
      .where("started_at", "<", options.to)
      .$if(open, (q) => q.where("ended_at", "is", null))
      .$if(!open, (q) => q.where("ended_at", ">", options.from))
      .$if(prices !== undefined, (q) =>
        q.where(
          sql<string>`resource_type || '/' || sku`,
          "=",
          sql<string>`any(${textArray((prices ?? []).map(priceKey))})`,
        ),
      );
  const found = await rows(options.db, branch(false).unionAll(branch(true)).orderBy("id"));
  return found.map(({ id: _id, ...interval }) => interval);
}

/**
 * Those of `prices` that the accounts were billed at somewhere in [from, to): one probe per price
 * by the price's own index (migration 017), so that reads of prices nobody runs (the catalog's
 * tiered and metered ones, often) can be skipped rather than scan the window to find nothing.
 */
export async function pricesBilled(options: {
  db: Queryable;
  billingAccountIds: string[];
  from: Date;
  to: Date;
  prices: { resource_type: string; sku: string }[];
}): Promise<{ resource_type: string; sku: string }[]> {
  const { prices, from, to } = options;
  if (prices.length === 0 || options.billingAccountIds.length === 0) return [];
  const accounts = textArray(options.billingAccountIds);
  // Open and closed rows probed apart: each is then one range of the index.
  const query = sql<{ resource_type: string; sku: string }>`
    SELECT p.resource_type, p.sku
    FROM unnest(${textArray(prices.map((p) => p.resource_type))},
      ${textArray(prices.map((p) => p.sku))}) AS p(resource_type, sku)
    WHERE EXISTS (SELECT 1 FROM ktrlplane.billing_intervals i
        WHERE i.resource_type = p.resource_type AND i.sku = p.sku AND i.ended_at IS NULL
          AND i.started_at < ${to} AND i.billing_account_id = ANY(${accounts}))
      OR EXISTS (SELECT 1 FROM ktrlplane.billing_intervals i
        WHERE i.resource_type = p.resource_type AND i.sku = p.sku AND i.ended_at > ${from}
          AND i.started_at < ${to} AND i.billing_account_id = ANY(${accounts}))
  `;
  return rows(options.db, query.compile(sqlb));
}

/**
 * A new resource, its open interval on the paying account and (with `marks`) the account's dirty
 * mark, in one statement: the hot path of every create costs a single round trip. The interval
 * takes the latest stored version of the price (new resources take a new version at once). The
 * account's quantity of the price is not counted here (see create-resource.ts).
 */
export async function insertResourceAndStartBilling(options: {
  db: Queryable;
  resource: ResourceRow;
  billingAccountId: string;
  /** `writesChangeMarks(provider)`. */
  marks: boolean;
}): Promise<void> {
  const query = options.marks ? insertResourceAndStartBillingQuery : insertResourceOnlyQuery;
  await execute(
    options.db,
    query({ ...options.resource, billing_account_id: options.billingAccountId }),
  );
}

type NewResource = Omit<ResourceRow, "deleted_at"> & { billing_account_id: string };

const insertResourceAndStartBillingQuery = cached((r: NewResource) =>
  insertResourceWith(r)
    .with("marked", (db) =>
      db
        .insertInto("ktrlplane.billing_account_changes")
        .columns(["billing_account_id", "changed_at"])
        .expression((eb) =>
          eb
            .selectFrom("resource")
            .select([eb.val(r.billing_account_id).as("billing_account_id"), now.as("changed_at")]),
        ),
    )
    .selectFrom("resource")
    .select("id"),
);

const insertResourceOnlyQuery = cached((r: NewResource) =>
  insertResourceWith(r).selectFrom("resource").select("id"),
);

/**
 * The resource and its open interval, as CTEs: the create statement's common part. The writes are
 * its CTEs; the statement's main query only names the new resource (nothing reads it).
 */
function insertResourceWith(r: NewResource) {
  return sqlb
    .with("resource", (db) =>
      db
        .insertInto("ktrlplane.resources")
        .columns([
          "id",
          "organization_id",
          "project_id",
          "name",
          "resource_type",
          "sku",
          "created_at",
        ])
        .expression(
          db.selectNoFrom((eb) => [
            eb.val(r.id).as("id"),
            eb.val(r.organization_id).as("organization_id"),
            eb.val(r.project_id).as("project_id"),
            eb.val(r.name).as("name"),
            eb.val(r.resource_type).as("resource_type"),
            eb.val(r.sku).as("sku"),
            sql<Date>`${r.created_at}::timestamptz`.as("created_at"),
          ]),
        )
        .returning("id"),
    )
    .with("opened", (db) =>
      db
        .insertInto("ktrlplane.billing_intervals")
        .columns([...intervalColumns, "started_at"])
        .expression((eb) =>
          eb.selectFrom("resource").select((eb) => [
            "id",
            eb.val(r.project_id).as("project_id"),
            eb.val(r.billing_account_id).as("billing_account_id"),
            eb.val(r.resource_type).as("resource_type"),
            eb.val(r.sku).as("sku"),
            eb
              .selectFrom("ktrlplane.price_versions")
              .select((eb) => eb.fn.max("version").as("version"))
              .where("resource_type", "=", r.resource_type)
              .where("sku", "=", r.sku)
              .as("price_version"),
            sql<Date>`${r.created_at}::timestamptz`.as("started_at"),
          ]),
        ),
    );
}

/**
 * Marks one resource deleted, closes its open interval at `at` and (with `marks`) marks the
 * account dirty, in one statement that ends the caller's transaction: its COMMIT leaves with it
 * (`queryAndCommit`). False when the resource was deleted already (a concurrent delete won): then
 * the transaction wrote nothing.
 */
export async function deleteResourceAndStopBilling(options: {
  tx: Transaction;
  resourceId: string;
  at: Date;
  /** `writesChangeMarks(provider)`. */
  marks: boolean;
}): Promise<boolean> {
  const { resourceId, at } = options;
  const query = options.marks ? deleteResourceAndStopBillingQuery : deleteResourceOnlyQuery;
  const row = await firstAndCommit(options.tx, query({ resourceId, at }));
  return (row?.deleted ?? 0) > 0;
}

type ResourceDeletion = { resourceId: string; at: Date };

const deleteResourceAndStopBillingQuery = cached((d: ResourceDeletion) =>
  deleteResourceWith(d)
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

const deleteResourceOnlyQuery = cached((d: ResourceDeletion) =>
  deleteResourceWith(d).selectFrom("deleted").select(sql<number>`count(*)::int`.as("deleted")),
);

/** The resource marked deleted and its interval closed, as CTEs: the delete's common part. */
function deleteResourceWith({ resourceId, at }: ResourceDeletion) {
  return sqlb
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
    );
}

/** The projects holding intervals a version move still has to cut (see `moveToPriceVersion`). */
export async function projectsToMove(options: {
  db: Queryable;
  move: VersionMove;
}): Promise<string[]> {
  const { move } = options;
  const found = await rows(
    options.db,
    sqlb
      .selectFrom("ktrlplane.billing_intervals")
      .select("project_id")
      .distinct()
      .where("resource_type", "=", move.resource_type)
      .where("sku", "=", move.sku)
      .where("price_version", "<", move.version)
      .where((eb) => eb.or([eb("ended_at", "is", null), eb("ended_at", ">", move.effective_from)]))
      .orderBy("project_id"),
  );
  return found.map((r) => r.project_id);
}

/**
 * Applies one version move to the intervals of these projects, in the caller's transaction: every
 * interval of the price at an earlier version that runs past `effective_from` is cut there — the
 * part before stays as it was (a new, closed row) and the row itself goes on from
 * `effective_from` at the new version ([started_at, ended_at): no second billed twice or not at
 * all). The projects are locked first, in id order, as a billing switch locks them, so no create,
 * delete or switch of theirs runs meanwhile; the open row keeps its id, so a delete waiting on it
 * still closes it. A repeat finds nothing left to cut. Returns how many intervals moved.
 */
export async function moveToPriceVersion(options: {
  db: Queryable;
  move: VersionMove;
  projectIds: string[];
}): Promise<number> {
  const { db, move, projectIds } = options;
  if (projectIds.length === 0) return 0;
  await execute(
    db,
    sqlb
      .selectFrom("ktrlplane.projects")
      .select("id")
      .where((eb) => eb("id", "=", eb.fn.any(textArray(projectIds))))
      .orderBy("id")
      .forUpdate(),
  );
  const at = sql<Date>`${move.effective_from}::timestamptz`;
  const row = await first(
    db,
    sqlb
      .with("moving", (db) =>
        db
          .selectFrom("ktrlplane.billing_intervals")
          .select([
            "id",
            "resource_id",
            "project_id",
            "billing_account_id",
            "price_version",
            "started_at",
          ])
          .where("resource_type", "=", move.resource_type)
          .where("sku", "=", move.sku)
          .where("price_version", "<", move.version)
          .where((eb) => eb.or([eb("ended_at", "is", null), eb("ended_at", ">", at)]))
          .where((eb) => eb("project_id", "=", eb.fn.any(textArray(projectIds))))
          .forUpdate(),
      )
      .with("cut", (db) =>
        db
          .insertInto("ktrlplane.billing_intervals")
          .columns([...intervalColumns, "started_at", "ended_at"])
          .expression((eb) =>
            eb
              .selectFrom("moving")
              .select((eb) => [
                "resource_id",
                "project_id",
                "billing_account_id",
                eb.val(move.resource_type).as("resource_type"),
                eb.val(move.sku).as("sku"),
                "price_version",
                "started_at",
                at.as("ended_at"),
              ])
              .where("started_at", "<", at),
          ),
      )
      .with("moved", (db) =>
        db
          .updateTable("ktrlplane.billing_intervals")
          .from("moving")
          .set((eb) => ({
            started_at: eb.fn<Date>("greatest", ["ktrlplane.billing_intervals.started_at", at]),
            price_version: move.version,
          }))
          .whereRef("ktrlplane.billing_intervals.id", "=", "moving.id")
          .returning("ktrlplane.billing_intervals.billing_account_id"),
      )
      .with("marked", (db) =>
        db
          .insertInto("ktrlplane.billing_account_changes")
          .columns(["billing_account_id", "changed_at"])
          .expression((eb) =>
            eb
              .selectFrom("moved")
              .select(["billing_account_id", now.as("changed_at")])
              .distinct(),
          ),
      )
      .selectFrom("moved")
      .select(sql<number>`count(*)::int`.as("moved")),
  );
  return row?.moved ?? 0;
}
