import type { Selectable } from "kysely";
import type { Queryable } from "./database.js";
import { creationKey, type Page, type PageRequest, paged, toPage } from "./page.js";
import type { MachineTokens } from "./schema.js";
import { cached, execute, first, rows, sqlb } from "./typed.js";
import type { UserRow } from "./users.js";

/** `scopes` is a jsonb array of scope names, always written by `insertMachineToken`. */
export interface MachineTokenRow extends Omit<Selectable<MachineTokens>, "scopes"> {
  scopes: string[];
}

/** Inserts the token's own user row (no usable password) and the token, in the caller's transaction. */
export async function insertMachineToken(options: {
  db: Queryable;
  token: MachineTokenRow;
  email: string;
}): Promise<void> {
  const t = options.token;
  await execute(
    options.db,
    sqlb.insertInto("ktrlplane.users").values({
      id: t.id,
      email: options.email,
      name: t.name,
      password_hash: "!machine-token",
      created_at: t.created_at,
    }),
  );
  await execute(
    options.db,
    sqlb.insertInto("ktrlplane.machine_tokens").values({
      id: t.id,
      organization_id: t.organization_id,
      name: t.name,
      token_hash: t.token_hash,
      scopes: JSON.stringify(t.scopes),
      created_by: t.created_by,
      created_at: t.created_at,
      expires_at: t.expires_at,
    }),
  );
}

/** The token's user and row, if it exists, is not revoked and has not expired at `at`. */
export async function findLiveMachineToken(options: {
  db: Queryable;
  tokenHash: string;
  at: Date;
}): Promise<{ user: UserRow; token: MachineTokenRow } | undefined> {
  const row = await first(options.db, findLiveMachineTokenQuery(options));
  if (!row) return undefined;
  const { email, password_hash, ...token } = row;
  return {
    user: { id: token.id, email, name: token.name, password_hash, created_at: token.created_at },
    token,
  };
}

// Compiled once each: every request authenticated by a machine token runs these.
const findLiveMachineTokenQuery = cached(({ tokenHash, at }: { tokenHash: string; at: Date }) =>
  sqlb
    .selectFrom("ktrlplane.machine_tokens as t")
    .innerJoin("ktrlplane.users as u", "u.id", "t.id")
    .selectAll("t")
    .select(["u.email", "u.password_hash"])
    .$narrowType<{ scopes: string[] }>()
    .where("t.token_hash", "=", tokenHash)
    .where("t.revoked_at", "is", null)
    .where((eb) => eb.or([eb("t.expires_at", "is", null), eb("t.expires_at", ">", at)])),
);

export async function touchMachineToken(options: {
  db: Queryable;
  id: string;
  at: Date;
  unlessAfter: Date;
}): Promise<void> {
  await execute(options.db, touchMachineTokenQuery(options));
}

const touchMachineTokenQuery = cached(
  ({ id, at, unlessAfter }: { id: string; at: Date; unlessAfter: Date }) =>
    sqlb
      .updateTable("ktrlplane.machine_tokens")
      .set({ last_used_at: at })
      .where("id", "=", id)
      .where((eb) => eb.or([eb("last_used_at", "is", null), eb("last_used_at", "<", unlessAfter)])),
);

/** Scopes and organization never change after creation: safe to remember per process. */
export async function getMachineTokenGrant(options: {
  db: Queryable;
  id: string;
}): Promise<{ organization_id: string; scopes: string[] } | undefined> {
  return first(
    options.db,
    sqlb
      .selectFrom("ktrlplane.machine_tokens")
      .select(["organization_id", "scopes"])
      .$narrowType<{ scopes: string[] }>()
      .where("id", "=", options.id),
  );
}

/** An organization's tokens, newest first, revoked ones included, by pages. */
export async function listMachineTokens(options: {
  db: Queryable;
  organizationId: string;
  page: PageRequest;
}): Promise<Page<MachineTokenRow>> {
  const found = await rows(
    options.db,
    sqlb
      .selectFrom("ktrlplane.machine_tokens as t")
      .selectAll("t")
      .$narrowType<{ scopes: string[] }>()
      .where("t.organization_id", "=", options.organizationId)
      .$call((qb) =>
        paged(qb, { at: "t.created_at", id: "t.id", page: options.page, order: "desc" }),
      ),
  );
  return toPage({ found, limit: options.page.limit, keyOf: creationKey });
}

export async function getMachineToken(options: {
  db: Queryable;
  organizationId: string;
  id: string;
  lock?: boolean;
}): Promise<MachineTokenRow | undefined> {
  return first(
    options.db,
    sqlb
      .selectFrom("ktrlplane.machine_tokens")
      .selectAll()
      .$narrowType<{ scopes: string[] }>()
      .where("id", "=", options.id)
      .where("organization_id", "=", options.organizationId)
      .$if(options.lock === true, (qb) => qb.forUpdate()),
  );
}

/** Marks the token revoked and removes its memberships: it can do nothing from now on. */
export async function revokeMachineToken(options: {
  db: Queryable;
  id: string;
  at: Date;
}): Promise<void> {
  await execute(
    options.db,
    sqlb
      .updateTable("ktrlplane.machine_tokens")
      .set({ revoked_at: options.at })
      .where("id", "=", options.id)
      .where("revoked_at", "is", null),
  );
  await execute(
    options.db,
    sqlb.deleteFrom("ktrlplane.memberships").where("user_id", "=", options.id),
  );
}
