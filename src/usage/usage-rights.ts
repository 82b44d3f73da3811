import { isMachineUserId } from "../access/machine-scopes.js";
import type { AppContext } from "../context.js";
import { getMachineTokenGrant } from "../db/machine-tokens.js";
import { type Role, rolesAllow } from "../domain/roles.js";

/** Where a resource or an event lives, with the caller's roles there (none: not theirs). */
export interface UsagePlace {
  organization_id: string;
  organization_role: Role | null;
  project_role: Role | null;
}

/** Machine tokens send and void usage with either scope. */
const usageScopes = new Set(["resources:write", "usage:write"]);

/**
 * What the caller may do with usage where each place lives: `hidden` (indistinguishable from
 * nothing there), `read`, or `write` — people who may write the project's resources, machine tokens
 * of the organization with a usage scope. One rule for sending usage and for voiding it.
 */
export async function usageRights(options: {
  ctx: AppContext;
  userId: string;
}): Promise<(place: UsagePlace) => "hidden" | "read" | "write"> {
  const { ctx, userId } = options;
  const machine = isMachineUserId(userId)
    ? ((await getMachineTokenGrant({ db: ctx.db, id: userId })) ?? null)
    : undefined;
  return (place) => {
    const roles = [place.organization_role, place.project_role].filter(
      (r): r is Role => r !== null,
    );
    if (roles.length === 0) return "hidden";
    if (machine !== undefined) {
      if (machine?.organization_id !== place.organization_id) return "hidden";
      return machine.scopes.some((s) => usageScopes.has(s)) ? "write" : "read";
    }
    return rolesAllow({ roles, action: "write_resources" }) ? "write" : "read";
  };
}
