import type { Queryable } from "../db/database.js";
import { findSessionUser, touchSession } from "../db/sessions.js";
import type { UserRow } from "../db/users.js";
import { AppError } from "../domain/errors.js";
import { authenticateMachineToken, isMachineToken } from "./machine-token-auth.js";
import { hashToken } from "./tokens.js";

export type Authenticate = (authorization: string | undefined) => Promise<UserRow>;

/** A session ends after this long without a request (sliding expiry). */
export const sessionIdleMs = 14 * 24 * 60 * 60 * 1000;
/** `last_used_at` moves at most this often: most requests only read. */
export const touchEveryMs = 60 * 1000;

/**
 * Resolves a bearer token to its user: a session token (`ktp_…`) or a machine token (`kp_mt_…`).
 *
 * Every request reads the token's row: there is no in-process cache, so a session ended by
 * `POST /v1/auth/logout` (or a machine token revoked) is refused at once by every API process,
 * not after a cache's lifetime. That read is one primary-key lookup; the write that keeps a
 * session alive happens at most once a minute per token.
 */
export function createAuthenticator(options: { db: Queryable; clock?: () => Date }): Authenticate {
  const clock = options.clock ?? (() => new Date());
  return async (authorization) => {
    const token = bearerToken(authorization);
    if (!token) throw unauthenticated();
    const now = clock();
    if (isMachineToken(token)) {
      const user = await authenticateMachineToken({ db: options.db, token, at: now });
      if (!user) throw unauthenticated();
      return user;
    }
    const tokenHash = hashToken(token);
    const found = await findSessionUser({
      db: options.db,
      tokenHash,
      idleSince: new Date(now.getTime() - sessionIdleMs),
    });
    if (!found) throw unauthenticated();
    const { session_last_used_at: lastUsed, ...user } = found;
    if (now.getTime() - new Date(lastUsed).getTime() >= touchEveryMs) {
      await touchSession({
        db: options.db,
        tokenHash,
        at: now,
        unlessAfter: new Date(now.getTime() - touchEveryMs),
      });
    }
    return user;
  };
}

/** The token of an `Authorization: Bearer <token>` header, if that is what it is. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
  return match?.[1];
}

function unauthenticated(): AppError {
  return new AppError({
    code: "unauthenticated",
    message: "A valid bearer token is required (Authorization: Bearer <token>)",
  });
}
