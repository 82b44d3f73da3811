import type { Selectable } from "kysely";
import type { Queryable } from "./database.js";
import type { Users } from "./schema.js";
import { first, rows, sqlb } from "./typed.js";

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
