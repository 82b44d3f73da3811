import type { AppContext } from "../context.js";
import { recordAudit } from "../db/audit.js";
import type { Queryable } from "../db/database.js";
import { grantRole, roleAt } from "../db/memberships.js";
import { findUserById } from "../db/users.js";
import { notFound } from "../domain/errors.js";
import type { Role } from "../domain/roles.js";
import { authorizeMemberScope, keepAnOwner } from "./member-scope.js";

/**
 * Changes the role of someone who already holds one at this scope (owners only). Unlike an
 * invitation it names the member by user id, so it cannot reveal whether an email has an account.
 */
export async function changeMemberRole(options: {
  ctx: AppContext;
  tx: Queryable;
  actorUserId: string;
  organizationId?: string;
  projectId?: string;
  memberUserId: string;
  role: Role;
}): Promise<{ user_id: string; email: string; name: string; role: Role }> {
  const { ctx, tx, actorUserId, memberUserId, role } = options;
  const scope = await authorizeMemberScope(options);
  const previous = await roleAt({ db: tx, userId: memberUserId, ...scope });
  const user = previous === null ? undefined : await findUserById({ db: tx, id: memberUserId });
  if (previous === null || !user) throw notFound("Member");
  await keepAnOwner({ tx, scope, userId: memberUserId, previous, next: role });
  if (previous !== role) {
    const at = ctx.clock();
    await grantRole({ db: tx, userId: memberUserId, ...scope, role, at });
    await recordAudit({
      db: tx,
      entry: {
        organizationId: scope.organizationId,
        actorUserId,
        action: "member.role_changed",
        subjectType: "member",
        subjectId: memberUserId,
        before: { role: previous, project_id: scope.projectId },
        after: { role, project_id: scope.projectId, email: user.email },
        at,
      },
    });
  }
  return { user_id: user.id, email: user.email, name: user.name, role };
}
