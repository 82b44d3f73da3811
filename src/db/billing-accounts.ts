import type { Selectable } from "kysely";
import type { Queryable } from "./database.js";
import { type PageRequest, paged } from "./page.js";
import type { BillingAccounts } from "./schema.js";
import { execute, first, rows, sqlb, textArray } from "./typed.js";

export type BillingAccountStatus = BillingAccounts["status"];

export type BillingAccountRow = Selectable<BillingAccounts>;

/** A new account is open: `closed_at` is only ever set by closing it. */
export type NewBillingAccount = Omit<BillingAccountRow, "closed_at">;

export async function insertBillingAccount(options: {
  db: Queryable;
  account: NewBillingAccount;
}): Promise<void> {
  const a = options.account;
  await execute(
    options.db,
    sqlb.insertInto("ktrlplane.billing_accounts").values({
      id: a.id,
      organization_id: a.organization_id,
      name: a.name,
      currency: a.currency,
      status: a.status,
      scope: a.scope,
      owner_project_id: a.owner_project_id,
      created_at: a.created_at,
    }),
  );
}

export async function getBillingAccount(options: {
  db: Queryable;
  id: string;
}): Promise<BillingAccountRow | undefined> {
  return first(
    options.db,
    sqlb.selectFrom("ktrlplane.billing_accounts").selectAll().where("id", "=", options.id),
  );
}

/**
 * The account row locked: `share` by whoever makes something bill to it, `update` by closing it,
 * so a close never misses a project that is just switching onto the account.
 */
export async function lockBillingAccount(options: {
  db: Queryable;
  id: string;
  mode: "share" | "update";
}): Promise<BillingAccountRow | undefined> {
  const query = sqlb
    .selectFrom("ktrlplane.billing_accounts")
    .selectAll()
    .where("id", "=", options.id);
  return first(options.db, options.mode === "update" ? query.forUpdate() : query.forShare());
}

export async function listBillingAccounts(options: {
  db: Queryable;
  organizationId: string;
  page?: PageRequest;
}): Promise<BillingAccountRow[]> {
  const { page } = options;
  return rows(
    options.db,
    sqlb
      .selectFrom("ktrlplane.billing_accounts")
      .selectAll()
      .where("organization_id", "=", options.organizationId)
      .$call((qb) => paged(qb, { at: "created_at", id: "id", page })),
  );
}

/** The accounts with these ids (who pays for a page of projects), in one statement. */
export async function billingAccountsByIds(options: {
  db: Queryable;
  ids: string[];
}): Promise<BillingAccountRow[]> {
  return rows(
    options.db,
    sqlb
      .selectFrom("ktrlplane.billing_accounts")
      .selectAll()
      .where((eb) => eb("id", "=", eb.fn.any(textArray(options.ids)))),
  );
}

export async function findProjectOwnAccount(options: {
  db: Queryable;
  projectId: string;
}): Promise<BillingAccountRow | undefined> {
  return first(
    options.db,
    sqlb
      .selectFrom("ktrlplane.billing_accounts")
      .selectAll()
      .where("owner_project_id", "=", options.projectId)
      .orderBy("created_at")
      .limit(1),
  );
}

export async function setBillingAccountStatus(options: {
  db: Queryable;
  id: string;
  status: BillingAccountStatus;
}): Promise<void> {
  await execute(
    options.db,
    sqlb
      .updateTable("ktrlplane.billing_accounts")
      .set({ status: options.status })
      .where("id", "=", options.id),
  );
}

export async function renameBillingAccount(options: {
  db: Queryable;
  id: string;
  name: string;
}): Promise<void> {
  await execute(
    options.db,
    sqlb
      .updateTable("ktrlplane.billing_accounts")
      .set({ name: options.name })
      .where("id", "=", options.id),
  );
}

/** Closes (`closedAt`) or reopens (`null`) an account. */
export async function setBillingAccountClosed(options: {
  db: Queryable;
  id: string;
  closedAt: Date | null;
}): Promise<void> {
  await execute(
    options.db,
    sqlb
      .updateTable("ktrlplane.billing_accounts")
      .set({ closed_at: options.closedAt })
      .where("id", "=", options.id),
  );
}

/**
 * What still bills to the account: projects that chose it (deleted ones excepted, and
 * `exceptProjectId`, a project about to leave it) and open ledger intervals of other projects.
 */
export async function accountBillers(options: {
  db: Queryable;
  billingAccountId: string;
  exceptProjectId?: string;
}): Promise<{ projects: number; openIntervals: number }> {
  const { db, billingAccountId } = options;
  const except = options.exceptProjectId ?? "";
  const found = await first(
    db,
    sqlb.selectNoFrom((eb) => [
      eb
        .selectFrom("ktrlplane.projects")
        .select((e) => e.fn.countAll<string>().as("n"))
        .where("billing_account_id", "=", billingAccountId)
        .where("deleted_at", "is", null)
        .where("id", "<>", except)
        .as("projects"),
      eb
        .selectFrom("ktrlplane.billing_intervals")
        .select((e) => e.fn.countAll<string>().as("n"))
        .where("billing_account_id", "=", billingAccountId)
        .where("ended_at", "is", null)
        .where("project_id", "<>", except)
        .as("open_intervals"),
    ]),
  );
  return {
    projects: Number(found?.projects ?? 0),
    openIntervals: Number(found?.open_intervals ?? 0),
  };
}
