import type { Role } from "../domain/roles.js";
import type { BillingAccountRow } from "./billing-accounts.js";
import type { Queryable } from "./database.js";
import type { ProjectRow } from "./projects.js";

export interface ProjectAccess {
  project: ProjectRow;
  organizationRole: Role | null;
  projectRole: Role | null;
  /** The account paying for the project now (the organization's primary one when inheriting). */
  account: BillingAccountRow;
}

/**
 * Everything a request inside a project needs, in one round trip: the project (optionally
 * locked), the caller's roles at both scopes, and the account that pays. This is the hot path of
 * every resource create and delete.
 */
export async function loadProjectAccess(options: {
  db: Queryable;
  projectId: string;
  userId: string;
  lock?: "share" | "update";
}): Promise<ProjectAccess | undefined> {
  const lock =
    options.lock === "update"
      ? "FOR UPDATE OF p"
      : options.lock === "share"
        ? // The weakest lock that still excludes FOR UPDATE (switch, deletion): the same one the
          // foreign keys of the rows we insert take anyway, so concurrent creates add no lock work.
          "FOR KEY SHARE OF p"
        : "";
  // Blocked behind a billing switch, PostgreSQL re-checks the locked project row alone against
  // the account row it had already joined, finds they no longer match and returns nothing. A
  // fresh statement sees the switch committed, so a locked read that comes back empty is retried.
  const attempts = options.lock ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    const access = await readProjectAccess({ ...options, lock });
    if (access || attempt >= attempts) return access;
  }
}

async function readProjectAccess(options: {
  db: Queryable;
  projectId: string;
  userId: string;
  lock: string;
}): Promise<ProjectAccess | undefined> {
  const { lock } = options;
  const rows = await options.db.query<Record<string, unknown>>(
    `SELECT p.id, p.organization_id, p.name, p.billing_mode, p.billing_account_id, p.created_at, p.deleted_at,
            om.role AS organization_role, pm.role AS project_role,
            a.id AS a_id, a.organization_id AS a_organization_id, a.name AS a_name, a.currency AS a_currency,
            a.status AS a_status, a.scope AS a_scope, a.owner_project_id AS a_owner_project_id,
            a.created_at AS a_created_at
     FROM ktrlplane.projects p
     JOIN ktrlplane.organizations o ON o.id = p.organization_id
     JOIN ktrlplane.billing_accounts a ON a.id = coalesce(p.billing_account_id, o.primary_billing_account_id)
     LEFT JOIN ktrlplane.memberships om
       ON om.user_id = $2 AND om.organization_id = p.organization_id AND om.project_id IS NULL
     LEFT JOIN ktrlplane.memberships pm ON pm.user_id = $2 AND pm.project_id = p.id
     WHERE p.id = $1 AND p.deleted_at IS NULL
     ${lock}`,
    [options.projectId, options.userId],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    project: {
      id: row.id as string,
      organization_id: row.organization_id as string,
      name: row.name as string,
      billing_mode: row.billing_mode as ProjectRow["billing_mode"],
      billing_account_id: row.billing_account_id as string | null,
      created_at: row.created_at as Date,
      deleted_at: row.deleted_at as Date | null,
    },
    organizationRole: row.organization_role as Role | null,
    projectRole: row.project_role as Role | null,
    account: {
      id: row.a_id as string,
      organization_id: row.a_organization_id as string,
      name: row.a_name as string,
      currency: row.a_currency as string,
      status: row.a_status as BillingAccountRow["status"],
      scope: row.a_scope as BillingAccountRow["scope"],
      owner_project_id: row.a_owner_project_id as string | null,
      created_at: row.a_created_at as Date,
    },
  };
}
