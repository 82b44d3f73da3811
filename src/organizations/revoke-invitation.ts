import type { AppContext } from "../context.js";
import { recordAudit } from "../db/audit.js";
import type { Queryable } from "../db/database.js";
import {
  getInvitation,
  type InvitationRow,
  invitationStatus,
  markInvitationRevoked,
} from "../db/invitations.js";
import { AppError, notFound } from "../domain/errors.js";
import { authorizeMemberScope } from "./member-scope.js";

/**
 * Revokes an invitation not yet accepted: its link stops working at once; revoking twice is a
 * no-op. Whoever may invite at its scope
 * may revoke; to anyone without a role in its organization the id does not exist.
 */
export async function revokeInvitation(options: {
  ctx: AppContext;
  tx: Queryable;
  actorUserId: string;
  invitationId: string;
}): Promise<InvitationRow> {
  const { ctx, tx, actorUserId } = options;
  const invitation = await getInvitation({ db: tx, id: options.invitationId });
  if (!invitation) throw notFound("Invitation");
  await authorizeMemberScope({
    tx,
    actorUserId,
    ...(invitation.project_id === null
      ? { organizationId: invitation.organization_id }
      : { projectId: invitation.project_id }),
  }).catch((error: unknown) => {
    // The organization's 404 (or the project's) would confirm nothing, but name the invitation.
    if (error instanceof AppError && error.code === "not_found") throw notFound("Invitation");
    throw error;
  });
  const at = ctx.clock();
  const status = invitationStatus(invitation, at);
  if (status === "revoked") return invitation;
  if (status === "accepted") {
    throw new AppError({
      code: "invitation_accepted",
      message: "This invitation has been accepted: remove the member instead",
    });
  }
  await markInvitationRevoked({ db: tx, id: invitation.id, at });
  await recordAudit({
    db: tx,
    entry: {
      organizationId: invitation.organization_id,
      actorUserId,
      action: "invitation.revoked",
      subjectType: "invitation",
      subjectId: invitation.id,
      before: { email: invitation.email, role: invitation.role, project_id: invitation.project_id },
      after: { revoked_at: at },
      at,
    },
  });
  return { ...invitation, revoked_at: at };
}
