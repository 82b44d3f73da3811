import type { Selectable } from "kysely";
import type { Queryable } from "./database.js";
import { type PageRequest, paged } from "./page.js";
import type { BillingAccounts } from "./schema.js";
import { execute, first, rows, sqlb, textArray } from "./typed.js";

export type BillingAccountStatus = BillingAccounts["status"];

export type BillingAccountRow = Selectable<BillingAccounts>;

export async function insertBillingAccount(options: {
  db: Queryable;
  account: BillingAccountRow;
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
