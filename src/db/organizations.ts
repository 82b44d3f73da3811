import type { Selectable } from "kysely";
import type { Role } from "../domain/roles.js";
import type { Queryable } from "./database.js";
import { type PageRequest, paged } from "./page.js";
import type { Organizations } from "./schema.js";
import { execute, first, rows, sqlb } from "./typed.js";

/**
 * The column is nullable only because the organization and its primary account reference each
 * other (the foreign key is deferred to the end of the creating transaction): every stored
 * organization has one.
 */
export type OrganizationRow = Omit<Selectable<Organizations>, "primary_billing_account_id"> & {
  primary_billing_account_id: string;
};

function withPrimaryAccount<T extends Selectable<Organizations>>(
  row: T,
): T & { primary_billing_account_id: string } {
  const primary = row.primary_billing_account_id;
  if (primary === null) throw new Error(`organization ${row.id} has no primary billing account`);
  return { ...row, primary_billing_account_id: primary };
}

export async function insertOrganization(options: {
  db: Queryable;
  organization: OrganizationRow;
}): Promise<void> {
  const { id, name, currency, primary_billing_account_id, created_at } = options.organization;
  await execute(
    options.db,
    sqlb
      .insertInto("ktrlplane.organizations")
      .values({ id, name, currency, primary_billing_account_id, created_at }),
  );
}

export async function getOrganization(options: {
  db: Queryable;
  id: string;
}): Promise<OrganizationRow | undefined> {
  const row = await first(
    options.db,
    sqlb.selectFrom("ktrlplane.organizations").selectAll().where("id", "=", options.id),
  );
  return row && withPrimaryAccount(row);
}

/** Organizations where the user holds any role, with the organization-scope role if any. */
export async function listOrganizationsOfUser(options: {
  db: Queryable;
  userId: string;
  page?: PageRequest;
}): Promise<(OrganizationRow & { role: Role | null })[]> {
  const { userId, page } = options;
  const found = await rows(
    options.db,
    sqlb
      .selectFrom("ktrlplane.organizations as o")
      .selectAll("o")
      .select((eb) =>
        eb
          .selectFrom("ktrlplane.memberships as m2")
          .select("m2.role")
          .where("m2.user_id", "=", userId)
          .whereRef("m2.organization_id", "=", "o.id")
          .where("m2.project_id", "is", null)
          .as("role"),
      )
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom("ktrlplane.memberships as m")
            .select(eb.lit(1).as("one"))
            .where("m.user_id", "=", userId)
            .whereRef("m.organization_id", "=", "o.id"),
        ),
      )
      .$call((qb) => paged(qb, { at: "o.created_at", id: "o.id", page })),
  );
  return found.map(withPrimaryAccount);
}

export async function renameOrganization(options: {
  db: Queryable;
  id: string;
  name: string;
}): Promise<void> {
  await execute(
    options.db,
    sqlb
      .updateTable("ktrlplane.organizations")
      .set({ name: options.name })
      .where("id", "=", options.id),
  );
}

/**
 * The organization row locked for changing its primary account. Every request that resolves who
 * pays for a project takes this row `FOR KEY SHARE` (src/db/project-access.ts), so a change of
 * the primary waits for them and they, once it commits, read the new primary.
 */
export async function lockOrganization(options: {
  db: Queryable;
  id: string;
  mode: "update" | "key share";
}): Promise<OrganizationRow | undefined> {
  const query = sqlb.selectFrom("ktrlplane.organizations").selectAll().where("id", "=", options.id);
  const row = await first(
    options.db,
    options.mode === "update" ? query.forUpdate() : query.forKeyShare(),
  );
  return row && withPrimaryAccount(row);
}

export async function setPrimaryBillingAccount(options: {
  db: Queryable;
  id: string;
  billingAccountId: string;
}): Promise<void> {
  await execute(
    options.db,
    sqlb
      .updateTable("ktrlplane.organizations")
      .set({ primary_billing_account_id: options.billingAccountId })
      .where("id", "=", options.id),
  );
}
