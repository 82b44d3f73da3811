import { authorizeOrganization, authorizeProject } from "../access/authorize.js";
import type { Queryable } from "../db/database.js";
import { lockOrganizationOwners } from "../db/memberships.js";
import { AppError } from "../domain/errors.js";
import type { Role } from "../domain/roles.js";

/** Where a membership lives: the organization (projectId null) or one of its projects. */
export interface MemberScope {
  organizationId: string;
  projectId: string | null;
}

/** The scope named by the path, after checking the actor may manage its members. */
export async function authorizeMemberScope(options: {
  tx: Queryable;
  actorUserId: string;
  organizationId?: string;
  projectId?: string;
}): Promise<MemberScope> {
  const { tx, actorUserId } = options;
  if (options.projectId) {
    const { project } = await authorizeProject({
      db: tx,
      userId: actorUserId,
      projectId: options.projectId,
      action: "manage_members",
    });
    return { organizationId: project.organization_id, projectId: project.id };
  }
  const { organization } = await authorizeOrganization({
    db: tx,
    userId: actorUserId,
    organizationId: options.organizationId ?? "",
    action: "manage_members",
  });
  return { organizationId: organization.id, projectId: null };
}

/** An organization always keeps an owner: the last one can be neither demoted nor removed. */
export async function keepAnOwner(options: {
  tx: Queryable;
  scope: MemberScope;
  userId: string;
  previous: Role;
  next: Role | null;
}): Promise<void> {
  const { tx, scope, userId, previous, next } = options;
  if (scope.projectId !== null || previous !== "owner" || next === "owner") return;
  const owners = await lockOrganizationOwners({ db: tx, organizationId: scope.organizationId });
  if (owners.length <= 1 && owners.includes(userId)) {
    throw new AppError({
      code: "last_owner",
      message:
        "The organization needs at least one owner: make someone else owner first, then change this member",
      field: "role",
    });
  }
}
