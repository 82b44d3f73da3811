import type { Queryable } from "./database.js";
import type { UserRow } from "./users.js";

// Sessions are the rows of `api_tokens`: the SHA-256 digest of a bearer token, its user, and when
// it was last used (sliding expiry).

export async function insertSession(options: {
  db: Queryable;
  tokenHash: string;
  userId: string;
  at: Date;
}): Promise<void> {
  await options.db.query(
    `INSERT INTO ktrlplane.api_tokens (token_hash, user_id, created_at, last_used_at)
     VALUES ($1, $2, $3, $3)`,
    [options.tokenHash, options.userId, options.at],
  );
}

/** The session's user, if the token exists and was used after `idleSince`. */
export async function findSessionUser(options: {
  db: Queryable;
  tokenHash: string;
  idleSince: Date;
}): Promise<(UserRow & { session_last_used_at: Date }) | undefined> {
  const rows = await options.db.query<UserRow & { session_last_used_at: Date }>(
    `SELECT u.*, t.last_used_at AS session_last_used_at
     FROM ktrlplane.api_tokens t JOIN ktrlplane.users u ON u.id = t.user_id
     WHERE t.token_hash = $1 AND t.last_used_at > $2`,
    [options.tokenHash, options.idleSince],
  );
  return rows[0];
}

/** Moves `last_used_at` forward, unless another request did so since `unlessAfter`. */
export async function touchSession(options: {
  db: Queryable;
  tokenHash: string;
  at: Date;
  unlessAfter: Date;
}): Promise<void> {
  await options.db.query(
    "UPDATE ktrlplane.api_tokens SET last_used_at = $2 WHERE token_hash = $1 AND last_used_at < $3",
    [options.tokenHash, options.at, options.unlessAfter],
  );
}

export async function deleteSession(options: {
  db: Queryable;
  tokenHash: string;
}): Promise<boolean> {
  const rows = await options.db.query(
    "DELETE FROM ktrlplane.api_tokens WHERE token_hash = $1 RETURNING token_hash",
    [options.tokenHash],
  );
  return rows.length === 1;
}

/** Replaces a legacy password hash after a successful log-in (only if it is still that hash). */
export async function replacePasswordHash(options: {
  db: Queryable;
  userId: string;
  from: string;
  to: string;
}): Promise<void> {
  await options.db.query(
    "UPDATE ktrlplane.users SET password_hash = $3 WHERE id = $1 AND password_hash = $2",
    [options.userId, options.from, options.to],
  );
}
