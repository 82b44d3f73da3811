import type { Queryable } from "./database.js";

export interface UserRow {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  created_at: Date;
}

export async function insertUser(options: { db: Queryable; user: UserRow }): Promise<boolean> {
  const { id, email, name, password_hash, created_at } = options.user;
  const rows = await options.db.query(
    `INSERT INTO ktrlplane.users (id, email, name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (email) DO NOTHING RETURNING id`,
    [id, email, name, password_hash, created_at],
  );
  return rows.length === 1;
}

export async function findUserByEmail(options: {
  db: Queryable;
  email: string;
}): Promise<UserRow | undefined> {
  const rows = await options.db.query<UserRow>("SELECT * FROM ktrlplane.users WHERE email = $1", [
    options.email,
  ]);
  return rows[0];
}

export async function findUserById(options: {
  db: Queryable;
  id: string;
}): Promise<UserRow | undefined> {
  const rows = await options.db.query<UserRow>("SELECT * FROM ktrlplane.users WHERE id = $1", [
    options.id,
  ]);
  return rows[0];
}

export async function insertToken(options: {
  db: Queryable;
  tokenHash: string;
  userId: string;
  at: Date;
}): Promise<void> {
  await options.db.query(
    "INSERT INTO ktrlplane.api_tokens (token_hash, user_id, created_at) VALUES ($1, $2, $3)",
    [options.tokenHash, options.userId, options.at],
  );
}

export async function findUserByTokenHash(options: {
  db: Queryable;
  tokenHash: string;
}): Promise<UserRow | undefined> {
  const rows = await options.db.query<UserRow>(
    `SELECT u.* FROM ktrlplane.api_tokens t JOIN ktrlplane.users u ON u.id = t.user_id
     WHERE t.token_hash = $1`,
    [options.tokenHash],
  );
  return rows[0];
}
