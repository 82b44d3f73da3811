import type { Selectable } from "kysely";
import type { Queryable } from "./database.js";
import type { Users } from "./schema.js";
import { execute, first, rows, sqlb } from "./typed.js";

export type UserRow = Selectable<Users>;

export async function insertUser(options: { db: Queryable; user: UserRow }): Promise<boolean> {
  const { id, email, name, password_hash, created_at } = options.user;
  const inserted = await rows(
    options.db,
    sqlb
      .insertInto("ktrlplane.users")
      .values({ id, email, name, password_hash, created_at })
      .onConflict((oc) => oc.column("email").doNothing())
      .returning("id"),
  );
  return inserted.length === 1;
}

export async function findUserByEmail(options: {
  db: Queryable;
  email: string;
}): Promise<UserRow | undefined> {
  return first(
    options.db,
    sqlb.selectFrom("ktrlplane.users").selectAll().where("email", "=", options.email),
  );
}

export async function findUserById(options: {
  db: Queryable;
  id: string;
}): Promise<UserRow | undefined> {
  return first(
    options.db,
    sqlb.selectFrom("ktrlplane.users").selectAll().where("id", "=", options.id),
  );
}

export async function insertToken(options: {
  db: Queryable;
  tokenHash: string;
  userId: string;
  at: Date;
}): Promise<void> {
  await execute(
    options.db,
    sqlb
      .insertInto("ktrlplane.api_tokens")
      .values({ token_hash: options.tokenHash, user_id: options.userId, created_at: options.at }),
  );
}

export async function findUserByTokenHash(options: {
  db: Queryable;
  tokenHash: string;
}): Promise<UserRow | undefined> {
  return first(
    options.db,
    sqlb
      .selectFrom("ktrlplane.api_tokens as t")
      .innerJoin("ktrlplane.users as u", "u.id", "t.user_id")
      .selectAll("u")
      .where("t.token_hash", "=", options.tokenHash),
  );
}
