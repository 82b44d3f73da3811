import { authorizeOrganization } from "../access/authorize.js";
import type { AppContext } from "../context.js";
import { listMachineTokens as list, type MachineTokenRow } from "../db/machine-tokens.js";
import type { Page, PageRequest } from "../db/page.js";

/** Owners see the organization's machine tokens (never their secrets), newest first, by pages. */
export async function listMachineTokens(options: {
  ctx: AppContext;
  userId: string;
  organizationId: string;
  page: PageRequest;
}): Promise<Page<MachineTokenRow>> {
  const { ctx, userId, organizationId, page } = options;
  await authorizeOrganization({ db: ctx.db, userId, organizationId, action: "manage_members" });
  return list({ db: ctx.db, organizationId, page });
}
