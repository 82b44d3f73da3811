import { assertNotMachine } from "../access/machine-scopes.js";
import type { AppContext } from "../context.js";
import { recordAudit } from "../db/audit.js";
import type { Queryable } from "../db/database.js";
import {
  findInvitationByTokenHash,
  type InvitationRow,
  invitationProjectDeleted,
  invitationStatus,
  markInvitationAccepted,
} from "../db/invitations.js";
import { grantRole, roleAt } from "../db/memberships.js";
import type { UserRow } from "../db/users.js";
import { AppError } from "../domain/errors.js";
import { hashToken } from "../identity/tokens.js";
import { checkQuota } from "../limits/check-quota.js";
import { normalizeEmail } from "./invite-member.js";
import { keepAnOwner } from "./member-scope.js";

/**
 * The signed-in person whose email the invitation names takes the role it offers. A token that
 * names nothing, or an invitation that was used, revoked or has expired, is refused with its own
 * code; someone else signed in is refused too (the token alone is not enough: no one joins as
 * another person).
 */
export async function acceptInvitation(options: {
  ctx: AppContext;
  tx: Queryable;
  user: UserRow;
  token: string;
}): Promise<InvitationRow> {
  const { ctx, tx, user } = options;
  assertNotMachine(user.id);
  const invitation = await findInvitationByTokenHash({
    db: tx,
    tokenHash: hashToken(options.token),
  });
  if (!invitation) {
    throw new AppError({
      code: "invitation_not_found",
      message: "This invitation link is not valid: ask for a new one",
      field: "token",
    });
  }
  const at = ctx.clock();
  const status = invitationStatus(invitation, at);
  if (status !== "pending") {
    throw new AppError({
      code: `invitation_${status}`,
      message: {
        accepted: "This invitation has been used already",
        revoked: "This invitation was revoked: ask for a new one",
        expired: "This invitation has expired: ask for a new one",
      }[status],
      field: "token",
    });
  }
  if (await invitationProjectDeleted({ db: tx, invitation })) {
    throw new AppError({
      code: "invitation_revoked",
      message: "The project of this invitation was deleted",
      field: "token",
    });
  }
  if (normalizeEmail(user.email) !== invitation.email) {
    throw new AppError({
      code: "invitation_email_mismatch",
      message: "This invitation is for another email address: sign in as the person invited",
      field: "token",
    });
  }
  const scope = { organizationId: invitation.organization_id, projectId: invitation.project_id };
  const previous = await roleAt({ db: tx, userId: user.id, ...scope });
  if (previous !== null) {
    await keepAnOwner({ tx, scope, userId: user.id, previous, next: invitation.role });
  }
  await grantRole({ db: tx, userId: user.id, ...scope, role: invitation.role, at });
  if (previous === null) {
    await checkQuota({
      tx,
      quotas: ctx.quotas,
      organizationId: scope.organizationId,
      quota: "members",
    });
  }
  await markInvitationAccepted({ db: tx, id: invitation.id, userId: user.id, at });
  await recordAudit({
    db: tx,
    entry: {
      organizationId: scope.organizationId,
      // The inviter granted the role; accepting is the member's consent (the subject is them).
      actorUserId: invitation.invited_by,
      action: previous === null ? "member.role_granted" : "member.role_changed",
      subjectType: "member",
      subjectId: user.id,
      before: previous === null ? null : { role: previous, project_id: scope.projectId },
      after: {
        role: invitation.role,
        project_id: scope.projectId,
        email: user.email,
        invitation_id: invitation.id,
      },
      at,
    },
  });
  return { ...invitation, accepted_at: at, accepted_by: user.id };
}
