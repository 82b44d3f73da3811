import { authorizeOrganization } from "../access/authorize.js";
import type { AppContext } from "../context.js";
import { recordAudit } from "../db/audit.js";
import { getMachineToken, revokeMachineToken as revoke } from "../db/machine-tokens.js";
import { notFound } from "../domain/errors.js";

/** Revokes at once (authentication reads the row on every request); revoking twice is a no-op. */
export async function revokeMachineToken(options: {
  ctx: AppContext;
  userId: string;
  organizationId: string;
  tokenId: string;
}): Promise<void> {
  const { ctx, userId, organizationId, tokenId } = options;
  const at = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    await authorizeOrganization({ db: tx, userId, organizationId, action: "manage_members" });
    const token = await getMachineToken({ db: tx, organizationId, id: tokenId, lock: true });
    if (!token) throw notFound("Machine token");
    if (token.revoked_at) return;
    await revoke({ db: tx, id: token.id, at });
    await recordAudit({
      db: tx,
      entry: {
        organizationId,
        actorUserId: userId,
        action: "machine_token.revoked",
        subjectType: "machine_token",
        subjectId: token.id,
        before: { name: token.name, scopes: token.scopes },
        after: { revoked_at: at },
        at,
      },
    });
  });
}
