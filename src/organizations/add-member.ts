import { authorizeOrganization, authorizeProject } from "../access/authorize.js";
import { isMachineUserId } from "../access/machine-scopes.js";
import type { AppContext } from "../context.js";
import { recordAudit } from "../db/audit.js";
import type { Queryable } from "../db/database.js";
import { grantRole } from "../db/memberships.js";
import { findUserByEmail } from "../db/users.js";
import { AppError } from "../domain/errors.js";
import type { Role } from "../domain/roles.js";
import { checkQuota } from "../limits/check-quota.js";

/**
 * Grants a role at organization scope, or at one project's scope when `projectId` is given.
 * Only owners (of the organization, or of that project) may; re-granting changes the role.
 */
export async function addMember(options: {
  ctx: AppContext;
  tx: Queryable;
  actorUserId: string;
  organizationId?: string;
  projectId?: string;
  email: string;
  role: Role;
}): Promise<{
  created: boolean;
  member: { user_id: string; email: string; name: string; role: Role };
}> {
  const { ctx, tx, actorUserId, email, role } = options;
  const organizationId = options.projectId
    ? (
        await authorizeProject({
          db: tx,
          userId: actorUserId,
          projectId: options.projectId,
          action: "manage_members",
        })
      ).project.organization_id
    : (
        await authorizeOrganization({
          db: tx,
          userId: actorUserId,
          organizationId: options.organizationId ?? "",
          action: "manage_members",
        })
      ).organization.id;
  const user = await findUserByEmail({ db: tx, email: email.toLowerCase() });
  // A machine token's user is not a person one can add: its role and organization are fixed.
  if (!user || isMachineUserId(user.id)) {
    throw new AppError({
      code: "user_not_found",
      message: `No user has the email ${email}`,
      field: "email",
    });
  }
  const at = ctx.clock();
  const projectId = options.projectId ?? null;
  const { previous } = await grantRole({
    db: tx,
    userId: user.id,
    organizationId,
    projectId,
    role,
    at,
  });
  if (previous === null) {
    await checkQuota({ tx, quotas: ctx.quotas, organizationId, quota: "members" });
  }
  if (previous !== role) {
    await recordAudit({
      db: tx,
      entry: {
        organizationId,
        actorUserId,
        action: previous === null ? "member.role_granted" : "member.role_changed",
        subjectType: "member",
        subjectId: user.id,
        before: previous === null ? null : { role: previous, project_id: projectId },
        after: { role, project_id: projectId, email: user.email },
        at,
      },
    });
  }
  return {
    created: previous === null,
    member: { user_id: user.id, email: user.email, name: user.name, role },
  };
}
