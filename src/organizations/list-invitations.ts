import { authorizeOrganization } from "../access/authorize.js";
import type { AppContext } from "../context.js";
import {
  type InvitationRow,
  type InvitationStatus,
  listInvitations as list,
} from "../db/invitations.js";

/**
 * Owners see the organization's invitations, of both scopes, newest first, by pages; never a
 * token (only its digest is kept).
 */
export async function listInvitations(options: {
  ctx: AppContext;
  userId: string;
  organizationId: string;
  limit: number;
  cursor?: string;
  status?: InvitationStatus;
}): Promise<{ data: InvitationRow[]; next_cursor: string | null }> {
  const { ctx, userId, organizationId, limit, cursor, status } = options;
  await authorizeOrganization({ db: ctx.db, userId, organizationId, action: "manage_members" });
  const rows = await list({
    db: ctx.db,
    organizationId,
    limit: limit + 1,
    at: ctx.clock(),
    ...(cursor ? { after: cursor } : {}),
    ...(status ? { status } : {}),
  });
  const data = rows.slice(0, limit);
  return { data, next_cursor: rows.length > limit ? (data.at(-1)?.id ?? null) : null };
}
