import type { AppContext } from "../context.js";
import { recordAudit } from "../db/audit.js";
import type { Queryable } from "../db/database.js";
import { revokeRole, roleAt } from "../db/memberships.js";
import { findUserById } from "../db/users.js";
import { notFound } from "../domain/errors.js";
import { authorizeMemberScope, keepAnOwner } from "./member-scope.js";

/**
 * Takes a member's role at this scope away (owners only). Their roles at the other scope stay:
 * removing someone from the organization does not remove a role they hold on one project.
 */
export async function removeMember(options: {
  ctx: AppContext;
  tx: Queryable;
  actorUserId: string;
  organizationId?: string;
  projectId?: string;
  memberUserId: string;
}): Promise<void> {
  const { ctx, tx, actorUserId, memberUserId } = options;
  const scope = await authorizeMemberScope(options);
  const previous = await roleAt({ db: tx, userId: memberUserId, ...scope });
  if (previous === null) throw notFound("Member");
  await keepAnOwner({ tx, scope, userId: memberUserId, previous, next: null });
  await revokeRole({ db: tx, userId: memberUserId, ...scope });
  const user = await findUserById({ db: tx, id: memberUserId });
  await recordAudit({
    db: tx,
    entry: {
      organizationId: scope.organizationId,
      actorUserId,
      action: "member.removed",
      subjectType: "member",
      subjectId: memberUserId,
      before: { role: previous, project_id: scope.projectId, email: user?.email ?? null },
      after: null,
      at: ctx.clock(),
    },
  });
}
