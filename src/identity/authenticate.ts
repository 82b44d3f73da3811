import type { Queryable } from "../db/database.js";
import { findSessionUser } from "../db/sessions.js";
import type { UserRow } from "../db/users.js";
import { DeferredSession } from "./deferred-session.js";
import { authenticateMachineToken, isMachineToken } from "./machine-token-auth.js";
import { idleSince, touchSessionIfDue, unauthenticated } from "./session-expiry.js";
import { hashToken } from "./tokens.js";

export interface Authenticator {
  /** Reads the token's row now and answers its user (401 when there is none). */
  authenticate(authorization: string | undefined): Promise<UserRow>;
  /**
   * For a session token whose user an earlier request of this process read: the check of its
   * row, left to the request's first statement (see `DeferredSession`). Otherwise undefined:
   * `authenticate` it.
   */
  deferred(authorization: string | undefined): DeferredSession | undefined;
  /**
   * Forgets whose the token is, in this process (the token's session has ended here: log-out).
   * Its next request is then read up front and refused before the rate limit sees it, instead of
   * being counted against its former user as a deferred session is (see `registerRateLimit`).
   */
  forget(authorization: string | undefined): void;
}

/** Past this many, the users known by token are forgotten at once (each is read again). */
const knownTokensMax = 10_000;

/**
 * Resolves a bearer token to its user: a session token (`ktp_…`) or a machine token (`kp_mt_…`).
 *
 * Every request reads the token's row: there is no in-process cache of sessions, so a session
 * ended by `POST /v1/auth/logout` (or a machine token revoked) is refused at once by every API
 * process, not after a cache's lifetime. That read is one primary-key lookup, or a column of the
 * request's first statement (`deferred`); the write that keeps a session alive happens at most
 * once a minute per token. What is remembered is only whose a token is, which never changes, and
 * only while its session lives as far as this process knows: a log-out here or a read that finds
 * the session ended forgets it.
 */
export function createAuthenticator(options: { db: Queryable; clock?: () => Date }): Authenticator {
  const clock = options.clock ?? (() => new Date());
  const userOfToken = new Map<string, string>();
  const forget = (tokenHash: string) => {
    userOfToken.delete(tokenHash);
  };
  return {
    async authenticate(authorization) {
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
        idleSince: idleSince(now),
      });
      if (!found) {
        forget(tokenHash);
        throw unauthenticated();
      }
      const { session_last_used_at: lastUsed, ...user } = found;
      await touchSessionIfDue({ db: options.db, tokenHash, now, lastUsed });
      if (userOfToken.size >= knownTokensMax) userOfToken.clear();
      userOfToken.set(tokenHash, user.id);
      return user;
    },
    deferred(authorization) {
      const token = bearerToken(authorization);
      if (!token || isMachineToken(token)) return undefined;
      const tokenHash = hashToken(token);
      const userId = userOfToken.get(tokenHash);
      if (userId === undefined) return undefined;
      return new DeferredSession({
        tokenHash,
        userId,
        at: clock(),
        onEnded: () => forget(tokenHash),
      });
    },
    forget(authorization) {
      const token = bearerToken(authorization);
      if (token) forget(hashToken(token));
    },
  };
}

/** The token of an `Authorization: Bearer <token>` header, if that is what it is. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
  return match?.[1];
}
