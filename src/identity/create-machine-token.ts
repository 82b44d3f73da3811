import { randomBytes } from "node:crypto";
import { authorizeOrganization } from "../access/authorize.js";
import { assertNotMachine, type MachineScope, roleForScopes } from "../access/machine-scopes.js";
import type { AppContext } from "../context.js";
import { recordAudit } from "../db/audit.js";
import { insertMachineToken, type MachineTokenRow } from "../db/machine-tokens.js";
import { grantRole } from "../db/memberships.js";
import { AppError } from "../domain/errors.js";
import { machineTokenPrefix } from "./machine-token-auth.js";
import { hashToken } from "./tokens.js";

/**
 * An organization owner mints a token for a system (CI, Terraform): it acts in this organization
 * only, within its scopes. The secret is returned here once; only its SHA-256 digest is kept.
 */
export async function createMachineToken(options: {
  ctx: AppContext;
  userId: string;
  organizationId: string;
  input: { name: string; scopes: MachineScope[]; expires_at?: string };
}): Promise<{ token: MachineTokenRow; secret: string }> {
  const { ctx, userId, organizationId, input } = options;
  assertNotMachine(userId);
  const at = ctx.clock();
  const expiresAt = input.expires_at ? new Date(input.expires_at) : null;
  if (expiresAt && expiresAt.getTime() <= at.getTime()) {
    throw new AppError({
      code: "validation_failed",
      message: "expires_at: must be in the future",
      field: "expires_at",
    });
  }
  const id = `mt_${randomBytes(12).toString("base64url")}`;
  const secret = `${machineTokenPrefix}${randomBytes(32).toString("base64url")}`;
  const scopes = [...new Set(input.scopes)].sort();
  const token: MachineTokenRow = {
    id,
    organization_id: organizationId,
    name: input.name,
    token_hash: hashToken(secret),
    scopes,
    created_by: userId,
    created_at: at,
    expires_at: expiresAt,
    last_used_at: null,
    revoked_at: null,
  };
  await ctx.db.transaction(async (tx) => {
    await authorizeOrganization({ db: tx, userId, organizationId, action: "manage_members" });
    await insertMachineToken({
      db: tx,
      token,
      email: `${id.toLowerCase()}@machine-tokens.invalid`,
    });
    await grantRole({
      db: tx,
      userId: id,
      organizationId,
      projectId: null,
      role: roleForScopes(scopes as MachineScope[]),
      at,
    });
    await recordAudit({
      db: tx,
      entry: {
        organizationId,
        actorUserId: userId,
        action: "machine_token.created",
        subjectType: "machine_token",
        subjectId: id,
        before: null,
        after: { name: input.name, scopes, expires_at: expiresAt },
        at,
      },
    });
  });
  return { token, secret };
}
