import { randomBytes } from "node:crypto";
import type { AppContext } from "../context.js";
import { recordAudit } from "../db/audit.js";
import type { Queryable } from "../db/database.js";
import { newId } from "../db/ids.js";
import {
  type InvitationRow,
  insertInvitation,
  revokePendingInvitations,
} from "../db/invitations.js";
import { roleAt } from "../db/memberships.js";
import { findUserByEmail } from "../db/users.js";
import { AppError } from "../domain/errors.js";
import type { Role } from "../domain/roles.js";
import { hashToken } from "../identity/tokens.js";
import { authorizeMemberScope } from "./member-scope.js";

export const INVITATION_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;
const invitationTokenPrefix = "kp_inv_";

/** Emails are compared in one form everywhere: NFKC, trimmed, lower case. */
export function normalizeEmail(email: string): string {
  return email.normalize("NFKC").trim().toLowerCase();
}

/**
 * Invites someone by email to the organization, or to one project, with a role (owners only).
 * Nobody becomes a member without accepting, so the answer — and what the inviter can see
 * afterwards — is the same whether or not the email has an account. The one exception, someone
 * already a member at this scope (409), tells the inviter nothing their members list does not.
 * A new invitation replaces a pending one for the same email and scope. The token is returned
 * here once; only its SHA-256 digest is kept.
 */
export async function inviteMember(options: {
  ctx: AppContext;
  tx: Queryable;
  actorUserId: string;
  organizationId?: string;
  projectId?: string;
  email: string;
  role: Role;
}): Promise<{ invitation: InvitationRow; token: string }> {
  const { ctx, tx, actorUserId, role } = options;
  const scope = await authorizeMemberScope(options);
  const email = normalizeEmail(options.email);
  const existing = await findUserByEmail({ db: tx, email });
  if (existing && (await roleAt({ db: tx, userId: existing.id, ...scope })) !== null) {
    throw new AppError({
      code: "already_member",
      message: `${email} is already a member here: change their role in the members list`,
      field: "email",
    });
  }
  const at = ctx.clock();
  const replaced = await revokePendingInvitations({ db: tx, ...scope, email, at });
  const token = `${invitationTokenPrefix}${randomBytes(32).toString("base64url")}`;
  const invitation: InvitationRow = {
    id: newId("inv"),
    organization_id: scope.organizationId,
    project_id: scope.projectId,
    email,
    role,
    token_hash: hashToken(token),
    invited_by: actorUserId,
    created_at: at,
    expires_at: new Date(at.getTime() + INVITATION_LIFETIME_MS),
    accepted_at: null,
    accepted_by: null,
    revoked_at: null,
  };
  await insertInvitation({ db: tx, invitation });
  await recordAudit({
    db: tx,
    entry: {
      organizationId: scope.organizationId,
      actorUserId,
      action: "invitation.created",
      subjectType: "invitation",
      subjectId: invitation.id,
      before: replaced.length > 0 ? { replaced_invitation_ids: replaced } : null,
      after: { email, role, project_id: scope.projectId, expires_at: invitation.expires_at },
      at,
    },
  });
  return { invitation, token };
}
