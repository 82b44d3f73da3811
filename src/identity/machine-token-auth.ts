import type { Queryable } from "../db/database.js";
import { findLiveMachineToken, touchMachineToken } from "../db/machine-tokens.js";
import type { UserRow } from "../db/users.js";
import { hashToken } from "./tokens.js";

export const machineTokenPrefix = "kp_mt_";

export function isMachineToken(token: string): boolean {
  return token.startsWith(machineTokenPrefix);
}

/**
 * The user a live machine token acts as, read from the database on every request (revocation
 * and expiry take effect at once); `last_used_at` moves at most once a minute.
 */
export async function authenticateMachineToken(options: {
  db: Queryable;
  token: string;
  at: Date;
}): Promise<UserRow | undefined> {
  const { db, token, at } = options;
  const found = await findLiveMachineToken({ db, tokenHash: hashToken(token), at });
  if (!found) return undefined;
  const lastUsed = found.token.last_used_at ? new Date(found.token.last_used_at).getTime() : 0;
  if (at.getTime() - lastUsed >= 60_000) {
    await touchMachineToken({
      db,
      id: found.token.id,
      at,
      unlessAfter: new Date(at.getTime() - 60_000),
    });
  }
  return found.user;
}
