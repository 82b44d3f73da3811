import { authorizeOrganization } from "../access/authorize.js";
import type { AppContext } from "../context.js";
import { listMachineTokens as list, type MachineTokenRow } from "../db/machine-tokens.js";

/** Owners see the organization's machine tokens (never their secrets), newest first, by pages. */
export async function listMachineTokens(options: {
  ctx: AppContext;
  userId: string;
  organizationId: string;
  limit: number;
  cursor?: string;
}): Promise<{ data: MachineTokenRow[]; next_cursor: string | null }> {
  const { ctx, userId, organizationId, limit, cursor } = options;
  await authorizeOrganization({ db: ctx.db, userId, organizationId, action: "manage_members" });
  const rows = await list({
    db: ctx.db,
    organizationId,
    limit: limit + 1,
    ...(cursor ? { after: cursor } : {}),
  });
  const data = rows.slice(0, limit);
  return { data, next_cursor: rows.length > limit ? (data.at(-1)?.id ?? null) : null };
}
