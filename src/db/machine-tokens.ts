import type { Queryable } from "./database.js";
import type { UserRow } from "./users.js";

export interface MachineTokenRow {
  id: string;
  organization_id: string;
  name: string;
  token_hash: string;
  scopes: string[];
  created_by: string;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** Inserts the token's own user row (no usable password) and the token, in the caller's transaction. */
export async function insertMachineToken(options: {
  db: Queryable;
  token: MachineTokenRow;
  email: string;
}): Promise<void> {
  const t = options.token;
  await options.db.query(
    `INSERT INTO ktrlplane.users (id, email, name, password_hash, created_at)
     VALUES ($1, $2, $3, '!machine-token', $4)`,
    [t.id, options.email, t.name, t.created_at],
  );
  await options.db.query(
    `INSERT INTO ktrlplane.machine_tokens
       (id, organization_id, name, token_hash, scopes, created_by, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      t.id,
      t.organization_id,
      t.name,
      t.token_hash,
      JSON.stringify(t.scopes),
      t.created_by,
      t.created_at,
      t.expires_at,
    ],
  );
}

/** The token's user and row, if it exists, is not revoked and has not expired at `at`. */
export async function findLiveMachineToken(options: {
  db: Queryable;
  tokenHash: string;
  at: Date;
}): Promise<{ user: UserRow; token: MachineTokenRow } | undefined> {
  const rows = await options.db.query<MachineTokenRow & { email: string; password_hash: string }>(
    `SELECT t.*, u.email, u.password_hash
     FROM ktrlplane.machine_tokens t JOIN ktrlplane.users u ON u.id = t.id
     WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2)`,
    [options.tokenHash, options.at],
  );
  const row = rows[0];
  if (!row) return undefined;
  const { email, password_hash, ...token } = row;
  return {
    user: { id: token.id, email, name: token.name, password_hash, created_at: token.created_at },
    token,
  };
}

export async function touchMachineToken(options: {
  db: Queryable;
  id: string;
  at: Date;
  unlessAfter: Date;
}): Promise<void> {
  await options.db.query(
    `UPDATE ktrlplane.machine_tokens SET last_used_at = $2
     WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $3)`,
    [options.id, options.at, options.unlessAfter],
  );
}

/** Scopes and organization never change after creation: safe to remember per process. */
export async function getMachineTokenGrant(options: {
  db: Queryable;
  id: string;
}): Promise<{ organization_id: string; scopes: string[] } | undefined> {
  const rows = await options.db.query<{ organization_id: string; scopes: string[] }>(
    "SELECT organization_id, scopes FROM ktrlplane.machine_tokens WHERE id = $1",
    [options.id],
  );
  return rows[0];
}

/** An organization's tokens, newest first, revoked ones included, a page after `after` (an id). */
export async function listMachineTokens(options: {
  db: Queryable;
  organizationId: string;
  limit: number;
  after?: string;
}): Promise<MachineTokenRow[]> {
  return options.db.query<MachineTokenRow>(
    `SELECT * FROM ktrlplane.machine_tokens t
     WHERE t.organization_id = $1
       AND ($3::text IS NULL OR (t.created_at, t.id) < (
         SELECT c.created_at, c.id FROM ktrlplane.machine_tokens c WHERE c.id = $3 AND c.organization_id = $1))
     ORDER BY t.created_at DESC, t.id DESC LIMIT $2`,
    [options.organizationId, options.limit, options.after ?? null],
  );
}

export async function getMachineToken(options: {
  db: Queryable;
  organizationId: string;
  id: string;
  lock?: boolean;
}): Promise<MachineTokenRow | undefined> {
  const rows = await options.db.query<MachineTokenRow>(
    `SELECT * FROM ktrlplane.machine_tokens WHERE id = $1 AND organization_id = $2${options.lock ? " FOR UPDATE" : ""}`,
    [options.id, options.organizationId],
  );
  return rows[0];
}

/** Marks the token revoked and removes its memberships: it can do nothing from now on. */
export async function revokeMachineToken(options: {
  db: Queryable;
  id: string;
  at: Date;
}): Promise<void> {
  await options.db.query(
    "UPDATE ktrlplane.machine_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
    [options.id, options.at],
  );
  await options.db.query("DELETE FROM ktrlplane.memberships WHERE user_id = $1", [options.id]);
}
