import type { Queryable } from "./database.js";
import { cached, execute, first, rows, sqlb } from "./typed.js";
import type { UserRow } from "./users.js";

// Sessions are the rows of `api_tokens`: the SHA-256 digest of a bearer token, its user, and when
// it was last used (sliding expiry).

export async function insertSession(options: {
  db: Queryable;
  tokenHash: string;
  userId: string;
  at: Date;
}): Promise<void> {
  await execute(
    options.db,
    sqlb.insertInto("ktrlplane.api_tokens").values({
      token_hash: options.tokenHash,
      user_id: options.userId,
      created_at: options.at,
      last_used_at: options.at,
    }),
  );
}

/** The session's user, if the token exists and was used after `idleSince`. */
export async function findSessionUser(options: {
  db: Queryable;
  tokenHash: string;
  idleSince: Date;
}): Promise<(UserRow & { session_last_used_at: Date }) | undefined> {
  return first(options.db, findSessionUserQuery(options));
}

// Compiled once each: every request authenticated by a session runs these.
const findSessionUserQuery = cached(
  ({ tokenHash, idleSince }: { tokenHash: string; idleSince: Date }) =>
    sqlb
      .selectFrom("ktrlplane.api_tokens as t")
      .innerJoin("ktrlplane.users as u", "u.id", "t.user_id")
      .selectAll("u")
      .select("t.last_used_at as session_last_used_at")
      .where("t.token_hash", "=", tokenHash)
      .where("t.last_used_at", ">", idleSince),
);

/**
 * The `last_used_at` of the user's session if it lives (exists, used after `idleSince`): as a
 * statement of its own, or as a column of a request's first read (`loadProjectAccess`).
 */
export function liveSessionQuery(params: { tokenHash: string; userId: string; idleSince: Date }) {
  return sqlb
    .selectFrom("ktrlplane.api_tokens as t")
    .select("t.last_used_at")
    .where("t.token_hash", "=", params.tokenHash)
    .where("t.user_id", "=", params.userId)
    .where("t.last_used_at", ">", params.idleSince);
}

export async function findLiveSession(options: {
  db: Queryable;
  tokenHash: string;
  userId: string;
  idleSince: Date;
}): Promise<Date | undefined> {
  return (await first(options.db, findLiveSessionQuery(options)))?.last_used_at;
}

const findLiveSessionQuery = cached(liveSessionQuery);

/** Moves `last_used_at` forward, unless another request did so since `unlessAfter`. */
export async function touchSession(options: {
  db: Queryable;
  tokenHash: string;
  at: Date;
  unlessAfter: Date;
}): Promise<void> {
  await execute(options.db, touchSessionQuery(options));
}

const touchSessionQuery = cached(
  ({ tokenHash, at, unlessAfter }: { tokenHash: string; at: Date; unlessAfter: Date }) =>
    sqlb
      .updateTable("ktrlplane.api_tokens")
      .set({ last_used_at: at })
      .where("token_hash", "=", tokenHash)
      .where("last_used_at", "<", unlessAfter),
);

export async function deleteSession(options: {
  db: Queryable;
  tokenHash: string;
}): Promise<boolean> {
  const deleted = await rows(
    options.db,
    sqlb
      .deleteFrom("ktrlplane.api_tokens")
      .where("token_hash", "=", options.tokenHash)
      .returning("token_hash"),
  );
  return deleted.length === 1;
}

/** Replaces a legacy password hash after a successful log-in (only if it is still that hash). */
export async function replacePasswordHash(options: {
  db: Queryable;
  userId: string;
  from: string;
  to: string;
}): Promise<void> {
  await execute(
    options.db,
    sqlb
      .updateTable("ktrlplane.users")
      .set({ password_hash: options.to })
      .where("id", "=", options.userId)
      .where("password_hash", "=", options.from),
  );
}
