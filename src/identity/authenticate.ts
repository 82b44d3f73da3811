import type { Queryable } from "../db/database.js";
import { findUserByTokenHash, type UserRow } from "../db/users.js";
import { AppError } from "../domain/errors.js";
import { hashToken } from "./tokens.js";

export type Authenticate = (authorization: string | undefined) => Promise<UserRow>;

/**
 * Resolves a bearer token to its user. Lookups are remembered (by the token's digest, never the
 * token) for `ttlMs`, sparing a database round trip on every request of a busy client; tokens
 * are never revoked yet, so nothing can go stale in that window but a renamed user.
 */
export function createAuthenticator(options: {
  db: Queryable;
  ttlMs?: number;
  maxEntries?: number;
}): Authenticate {
  const ttlMs = options.ttlMs ?? 30_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const cache = new Map<string, { user: UserRow; until: number }>();
  return async (authorization) => {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
    if (!match?.[1]) throw unauthenticated();
    const tokenHash = hashToken(match[1]);
    const cached = cache.get(tokenHash);
    if (cached && cached.until > Date.now()) return cached.user;
    const user = await findUserByTokenHash({ db: options.db, tokenHash });
    if (!user) throw unauthenticated();
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
    cache.set(tokenHash, { user, until: Date.now() + ttlMs });
    return user;
  };
}

function unauthenticated(): AppError {
  return new AppError({
    code: "unauthenticated",
    message: "A valid bearer token is required (Authorization: Bearer <token>)",
  });
}
