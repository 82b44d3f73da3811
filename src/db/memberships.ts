import type { ExpressionBuilder } from "kysely";
import type { Role } from "../domain/roles.js";
import type { Queryable } from "./database.js";
import { type PageKey, type PageRequest, paged } from "./page.js";
import type { DB } from "./schema.js";
import { execute, first, rows, sqlb } from "./typed.js";

export interface MemberRow {
  user_id: string;
  email: string;
  name: string;
  role: Role;
  project_id: string | null;
}

/** Organization scope (projectId null) or one project's scope. */
function inScope(projectId: string | null) {
  return (eb: ExpressionBuilder<DB, "ktrlplane.memberships">) =>
    projectId === null ? eb("project_id", "is", null) : eb("project_id", "=", projectId);
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
  const existing = await first(
    db,
    sqlb
      .selectFrom("ktrlplane.memberships")
      .select("role")
      .where("user_id", "=", userId)
      .where("organization_id", "=", organizationId)
      .where(inScope(projectId))
      .forUpdate(),
  );
  const previous = existing?.role ?? null;
  if (previous === null) {
    await execute(
      db,
      sqlb.insertInto("ktrlplane.memberships").values({
        user_id: userId,
        organization_id: organizationId,
        project_id: projectId,
        role,
        created_at: at,
      }),
    );
  } else if (previous !== role) {
    await execute(
      db,
      sqlb
        .updateTable("ktrlplane.memberships")
        .set({ role })
        .where("user_id", "=", userId)
        .where("organization_id", "=", organizationId)
        .where(inScope(projectId)),
    );
  }
  return { previous };
}

export async function rolesOf(options: {
  db: Queryable;
  userId: string;
  organizationId: string;
}): Promise<{ organizationRole: Role | null; projectRoles: Map<string, Role> }> {
  const memberships = await rows(
    options.db,
    sqlb
      .selectFrom("ktrlplane.memberships")
      .select(["project_id", "role"])
      .where("user_id", "=", options.userId)
      .where("organization_id", "=", options.organizationId),
  );
  let organizationRole: Role | null = null;
  const projectRoles = new Map<string, Role>();
  for (const row of memberships) {
    if (row.project_id === null) organizationRole = row.role;
    else projectRoles.set(row.project_id, row.role);
  }
  return { organizationRole, projectRoles };
}

/**
 * The people with a role in the scope. Machine tokens hold an organization membership too (their
 * user row shares the token's id), but they are not members to show: they are listed apart.
 */
export async function listMembers(options: {
  db: Queryable;
  organizationId: string;
  projectId?: string;
  page?: PageRequest;
}): Promise<(MemberRow & { created_at: Date })[]> {
  const { projectId, page } = options;
  return rows(
    options.db,
    sqlb
      .selectFrom("ktrlplane.memberships as m")
      .innerJoin("ktrlplane.users as u", "u.id", "m.user_id")
      .select(["m.user_id", "u.email", "u.name", "m.role", "m.project_id", "m.created_at"])
      .where("m.organization_id", "=", options.organizationId)
      .where((eb) =>
        projectId ? eb("m.project_id", "=", projectId) : eb("m.project_id", "is", null),
      )
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom("ktrlplane.machine_tokens as mt")
              .select("mt.id")
              .whereRef("mt.id", "=", "m.user_id"),
          ),
        ),
      )
      .$call((qb) => paged(qb, { at: "m.created_at", id: "m.user_id", page })),
  );
}

/** Members are paged by when they joined, then user id. */
export function memberKey(member: { created_at: Date; user_id: string }): PageKey {
  return { at: member.created_at, id: member.user_id };
}

/** Machine tokens' users hold memberships too, but are no members to show, change or count. */
function notMachineToken(eb: ExpressionBuilder<DB, "ktrlplane.memberships">) {
  return eb.not(
    eb.exists(
      eb
        .selectFrom("ktrlplane.machine_tokens as mt")
        .select("mt.id")
        .whereRef("mt.id", "=", "ktrlplane.memberships.user_id"),
    ),
  );
}

/** Removes the user's role at one scope; returns the role they held (null: none). */
export async function revokeRole(options: {
  db: Queryable;
  userId: string;
  organizationId: string;
  projectId: string | null;
}): Promise<{ previous: Role | null }> {
  const removed = await first(
    options.db,
    sqlb
      .deleteFrom("ktrlplane.memberships")
      .where("user_id", "=", options.userId)
      .where("organization_id", "=", options.organizationId)
      .where(inScope(options.projectId))
      .returning("role"),
  );
  return { previous: removed?.role ?? null };
}

/**
 * The role a person holds at one scope, locked until the transaction ends (null for a machine
 * token's user: tokens are managed apart, never as members).
 */
export async function roleAt(options: {
  db: Queryable;
  userId: string;
  organizationId: string;
  projectId: string | null;
}): Promise<Role | null> {
  const held = await first(
    options.db,
    sqlb
      .selectFrom("ktrlplane.memberships")
      .select("role")
      .where("user_id", "=", options.userId)
      .where("organization_id", "=", options.organizationId)
      .where(inScope(options.projectId))
      .where(notMachineToken)
      .forUpdate(),
  );
  return held?.role ?? null;
}

/**
 * Owners at organization scope, their rows locked: two owners demoting each other at once
 * serialize here, so the organization always keeps one.
 */
export async function lockOrganizationOwners(options: {
  db: Queryable;
  organizationId: string;
}): Promise<string[]> {
  const owners = await rows(
    options.db,
    sqlb
      .selectFrom("ktrlplane.memberships")
      .select("user_id")
      .where("organization_id", "=", options.organizationId)
      .where("project_id", "is", null)
      .where("role", "=", "owner")
      .where(notMachineToken)
      .orderBy("user_id")
      .forUpdate(),
  );
  return owners.map((r) => r.user_id);
}
