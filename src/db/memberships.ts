import type { Role } from "../domain/roles.js";
import type { Queryable } from "./database.js";

export interface MemberRow {
  user_id: string;
  email: string;
  name: string;
  role: Role;
  project_id: string | null;
}

/** Grants `role` at organization scope (projectId null) or project scope; returns the previous role. */
export async function grantRole(options: {
  db: Queryable;
  userId: string;
  organizationId: string;
  projectId: string | null;
  role: Role;
  at: Date;
}): Promise<{ previous: Role | null }> {
  const { db, userId, organizationId, projectId, role, at } = options;
  const scopeClause = projectId === null ? "project_id IS NULL" : "project_id = $3";
  const params =
    projectId === null ? [userId, organizationId] : [userId, organizationId, projectId];
  const existing = await db.query<{ role: Role }>(
    `SELECT role FROM ktrlplane.memberships WHERE user_id = $1 AND organization_id = $2 AND ${scopeClause} FOR UPDATE`,
    params,
  );
  const previous = existing[0]?.role ?? null;
  if (previous === null) {
    await db.query(
      `INSERT INTO ktrlplane.memberships (user_id, organization_id, project_id, role, created_at)
       VALUES ($1, $2, $3, $4, $5)`,
      [userId, organizationId, projectId, role, at],
    );
  } else if (previous !== role) {
    await db.query(
      `UPDATE ktrlplane.memberships SET role = $${params.length + 1}
       WHERE user_id = $1 AND organization_id = $2 AND ${scopeClause}`,
      [...params, role],
    );
  }
  return { previous };
}

export async function rolesOf(options: {
  db: Queryable;
  userId: string;
  organizationId: string;
}): Promise<{ organizationRole: Role | null; projectRoles: Map<string, Role> }> {
  const rows = await options.db.query<{ project_id: string | null; role: Role }>(
    "SELECT project_id, role FROM ktrlplane.memberships WHERE user_id = $1 AND organization_id = $2",
    [options.userId, options.organizationId],
  );
  let organizationRole: Role | null = null;
  const projectRoles = new Map<string, Role>();
  for (const row of rows) {
    if (row.project_id === null) organizationRole = row.role;
    else projectRoles.set(row.project_id, row.role);
  }
  return { organizationRole, projectRoles };
}

export async function listMembers(options: {
  db: Queryable;
  organizationId: string;
  projectId?: string;
}): Promise<MemberRow[]> {
  const projectFilter = options.projectId ? "AND m.project_id = $2" : "AND m.project_id IS NULL";
  return options.db.query<MemberRow>(
    `SELECT m.user_id, u.email, u.name, m.role, m.project_id
     FROM ktrlplane.memberships m JOIN ktrlplane.users u ON u.id = m.user_id
     WHERE m.organization_id = $1 ${projectFilter}
     ORDER BY m.created_at, u.email`,
    options.projectId ? [options.organizationId, options.projectId] : [options.organizationId],
  );
}

/** Removes the user's role at one scope; returns the role they held (null: none). */
export async function revokeRole(options: {
  db: Queryable;
  userId: string;
  organizationId: string;
  projectId: string | null;
}): Promise<{ previous: Role | null }> {
  const { db, userId, organizationId, projectId } = options;
  const scopeClause = projectId === null ? "project_id IS NULL" : "project_id = $3";
  const params =
    projectId === null ? [userId, organizationId] : [userId, organizationId, projectId];
  const rows = await db.query<{ role: Role }>(
    `DELETE FROM ktrlplane.memberships WHERE user_id = $1 AND organization_id = $2 AND ${scopeClause}
     RETURNING role`,
    params,
  );
  return { previous: rows[0]?.role ?? null };
}

/** The role a user holds at one scope, locked until the transaction ends. */
export async function roleAt(options: {
  db: Queryable;
  userId: string;
  organizationId: string;
  projectId: string | null;
}): Promise<Role | null> {
  const { db, userId, organizationId, projectId } = options;
  const scopeClause = projectId === null ? "project_id IS NULL" : "project_id = $3";
  const params =
    projectId === null ? [userId, organizationId] : [userId, organizationId, projectId];
  const rows = await db.query<{ role: Role }>(
    `SELECT role FROM ktrlplane.memberships WHERE user_id = $1 AND organization_id = $2 AND ${scopeClause}
     FOR UPDATE`,
    params,
  );
  return rows[0]?.role ?? null;
}

/**
 * Owners at organization scope, their rows locked: two owners demoting each other at once
 * serialize here, so the organization always keeps one.
 */
export async function lockOrganizationOwners(options: {
  db: Queryable;
  organizationId: string;
}): Promise<string[]> {
  const rows = await options.db.query<{ user_id: string }>(
    `SELECT user_id FROM ktrlplane.memberships
     WHERE organization_id = $1 AND project_id IS NULL AND role = 'owner'
     ORDER BY user_id FOR UPDATE`,
    [options.organizationId],
  );
  return rows.map((r) => r.user_id);
}
