import type { Role } from "../domain/roles.js";
import type { Queryable } from "./database.js";

export interface OrganizationRow {
  id: string;
  name: string;
  currency: string;
  primary_billing_account_id: string;
  created_at: Date;
}

export async function insertOrganization(options: {
  db: Queryable;
  organization: OrganizationRow;
}): Promise<void> {
  const { id, name, currency, primary_billing_account_id, created_at } = options.organization;
  await options.db.query(
    `INSERT INTO ktrlplane.organizations (id, name, currency, primary_billing_account_id, created_at)
     VALUES ($1, $2, $3, $4, $5)`,
    [id, name, currency, primary_billing_account_id, created_at],
  );
}

export async function getOrganization(options: {
  db: Queryable;
  id: string;
}): Promise<OrganizationRow | undefined> {
  const rows = await options.db.query<OrganizationRow>(
    "SELECT * FROM ktrlplane.organizations WHERE id = $1",
    [options.id],
  );
  return rows[0];
}

/** Organizations where the user holds any role, with the organization-scope role if any. */
export async function listOrganizationsOfUser(options: {
  db: Queryable;
  userId: string;
}): Promise<(OrganizationRow & { role: Role | null })[]> {
  return options.db.query(
    `SELECT o.*, (SELECT m2.role FROM ktrlplane.memberships m2
                  WHERE m2.user_id = $1 AND m2.organization_id = o.id AND m2.project_id IS NULL) AS role
     FROM ktrlplane.organizations o
     WHERE EXISTS (SELECT 1 FROM ktrlplane.memberships m WHERE m.user_id = $1 AND m.organization_id = o.id)
     ORDER BY o.created_at, o.id`,
    [options.userId],
  );
}

export async function renameOrganization(options: {
  db: Queryable;
  id: string;
  name: string;
}): Promise<void> {
  await options.db.query("UPDATE ktrlplane.organizations SET name = $2 WHERE id = $1", [
    options.id,
    options.name,
  ]);
}
