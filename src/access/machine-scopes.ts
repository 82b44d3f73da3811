import type { Queryable } from "../db/database.js";
import { getMachineTokenGrant } from "../db/machine-tokens.js";
import { AppError, notFound } from "../domain/errors.js";
import type { Action, Role } from "../domain/roles.js";

/** What a machine token may be allowed to do; each scope maps to the actions it permits. */
export const machineScopes = [
  "resources:read",
  "resources:write",
  "projects:write",
  "billing:read",
  "billing:write",
  "usage:write",
] as const;
export type MachineScope = (typeof machineScopes)[number];

const actionsOfScope: Record<MachineScope, readonly Action[]> = {
  "resources:read": ["read"],
  "resources:write": ["read", "write_resources"],
  "projects:write": ["read", "write_projects"],
  "billing:read": ["read"],
  "billing:write": ["read", "manage_billing"],
  // Only usage ingestion (POST /v1/usage) reads it, directly: it grants no action of the API.
  "usage:write": [],
};

/** Machine tokens are users whose id starts `mt_` (people's ids start `usr_`). */
export function isMachineUserId(userId: string): boolean {
  return userId.startsWith("mt_");
}

/**
 * The organization-scope role a machine token's membership gets: the least role covering its
 * scopes. The scopes still restrict it further (`assertMachineAllows`).
 */
export function roleForScopes(scopes: readonly MachineScope[]): Role {
  const writes = scopes.includes("resources:write") || scopes.includes("projects:write");
  const billing = scopes.includes("billing:write");
  if (writes && billing) return "owner";
  if (billing) return "billing_admin";
  if (writes) return "editor";
  return "viewer";
}

// Scopes and organization are fixed at creation; revocation is checked by authentication.
const grants = new Map<string, { organizationId: string; actions: Set<Action> }>();

/**
 * For a machine token's user: another organization than its own does not exist (404), and an
 * action outside its scopes is 403. People pass through untouched.
 */
export async function assertMachineAllows(options: {
  db: Queryable;
  userId: string;
  organizationId: string;
  action: Action;
  notFoundAs: string;
}): Promise<void> {
  if (!isMachineUserId(options.userId)) return;
  let grant = grants.get(options.userId);
  if (!grant) {
    const row = await getMachineTokenGrant({ db: options.db, id: options.userId });
    if (!row) throw notFound(options.notFoundAs);
    grant = {
      organizationId: row.organization_id,
      actions: new Set(row.scopes.flatMap((s) => actionsOfScope[s as MachineScope] ?? [])),
    };
    if (grants.size > 10_000) grants.clear();
    grants.set(options.userId, grant);
  }
  if (grant.organizationId !== options.organizationId) throw notFound(options.notFoundAs);
  if (!grant.actions.has(options.action)) {
    throw new AppError({
      code: "forbidden",
      message: `This machine token's scopes do not allow ${options.action.replaceAll("_", " ")}`,
    });
  }
}

/** Machine tokens act inside their organization only: they never create another. */
export function assertNotMachine(userId: string): void {
  if (isMachineUserId(userId)) {
    throw new AppError({
      code: "forbidden",
      message: "A machine token acts inside its own organization only",
    });
  }
}
