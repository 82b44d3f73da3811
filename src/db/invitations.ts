import type { ExpressionBuilder, Selectable } from "kysely";
import type { Queryable } from "./database.js";
import type { DB, Invitations } from "./schema.js";
import { execute, first, rows, sqlb } from "./typed.js";

export type InvitationRow = Selectable<Invitations>;

/** Where an invitation stands at an instant; only a pending one can be accepted or revoked. */
export type InvitationStatus = "pending" | "accepted" | "revoked" | "expired";

type InvitationExpression = ExpressionBuilder<DB, "ktrlplane.invitations">;

export function invitationStatus(invitation: InvitationRow, at: Date): InvitationStatus {
  if (invitation.accepted_at !== null) return "accepted";
  if (invitation.revoked_at !== null) return "revoked";
  return invitation.expires_at.getTime() > at.getTime() ? "pending" : "expired";
}

/** The SQL twin of `invitationStatus`, for filtering a list. */
function hasStatus(status: InvitationStatus, at: Date) {
  return (eb: InvitationExpression) => {
    if (status === "accepted") return eb("accepted_at", "is not", null);
    if (status === "revoked") return eb("revoked_at", "is not", null);
    const open = eb.and([eb("accepted_at", "is", null), eb("revoked_at", "is", null)]);
    return eb.and([open, eb("expires_at", status === "pending" ? ">" : "<=", at)]);
  };
}

export async function insertInvitation(options: {
  db: Queryable;
  invitation: InvitationRow;
}): Promise<void> {
  await execute(options.db, sqlb.insertInto("ktrlplane.invitations").values(options.invitation));
}

/**
 * Revokes the pending invitations of this email at this scope (a new invitation replaces them:
 * one live link per person and scope); returns their ids.
 */
export async function revokePendingInvitations(options: {
  db: Queryable;
  organizationId: string;
  projectId: string | null;
  email: string;
  at: Date;
}): Promise<string[]> {
  const { projectId, at } = options;
  const revoked = await rows(
    options.db,
    sqlb
      .updateTable("ktrlplane.invitations")
      .set({ revoked_at: at })
      .where("organization_id", "=", options.organizationId)
      .where((eb) =>
        projectId === null ? eb("project_id", "is", null) : eb("project_id", "=", projectId),
      )
      .where("email", "=", options.email)
      .where(hasStatus("pending", at))
      .returning("id"),
  );
  return revoked.map((r) => r.id);
}

/** The invitation a token names, locked until the transaction ends. */
export async function findInvitationByTokenHash(options: {
  db: Queryable;
  tokenHash: string;
}): Promise<InvitationRow | undefined> {
  return first(
    options.db,
    sqlb
      .selectFrom("ktrlplane.invitations")
      .selectAll()
      .where("token_hash", "=", options.tokenHash)
      .forUpdate(),
  );
}

/** One invitation by id, locked until the transaction ends. */
export async function getInvitation(options: {
  db: Queryable;
  id: string;
}): Promise<InvitationRow | undefined> {
  return first(
    options.db,
    sqlb.selectFrom("ktrlplane.invitations").selectAll().where("id", "=", options.id).forUpdate(),
  );
}

/** An organization's invitations (both scopes), newest first, a page after `after` (an id). */
export async function listInvitations(options: {
  db: Queryable;
  organizationId: string;
  limit: number;
  after?: string;
  status?: InvitationStatus;
  at: Date;
}): Promise<InvitationRow[]> {
  const { organizationId, after, status, at } = options;
  let query = sqlb
    .selectFrom("ktrlplane.invitations")
    .selectAll()
    .where("organization_id", "=", organizationId);
  if (status !== undefined) query = query.where(hasStatus(status, at));
  if (after !== undefined) {
    // Keyset pagination in (created_at, id) order; a cursor of another organization matches nothing.
    query = query.where(({ eb, refTuple, selectFrom }) =>
      eb(
        refTuple("created_at", "id"),
        "<",
        selectFrom("ktrlplane.invitations as c")
          .select(["c.created_at", "c.id"])
          .where("c.id", "=", after)
          .where("c.organization_id", "=", organizationId)
          .$asTuple("created_at", "id"),
      ),
    );
  }
  return rows(
    options.db,
    query.orderBy("created_at", "desc").orderBy("id", "desc").limit(options.limit),
  );
}

export async function markInvitationAccepted(options: {
  db: Queryable;
  id: string;
  userId: string;
  at: Date;
}): Promise<void> {
  await execute(
    options.db,
    sqlb
      .updateTable("ktrlplane.invitations")
      .set({ accepted_at: options.at, accepted_by: options.userId })
      .where("id", "=", options.id),
  );
}

export async function markInvitationRevoked(options: {
  db: Queryable;
  id: string;
  at: Date;
}): Promise<void> {
  await execute(
    options.db,
    sqlb
      .updateTable("ktrlplane.invitations")
      .set({ revoked_at: options.at })
      .where("id", "=", options.id),
  );
}

/** A project invitation dies with its project: deleting a project keeps its row, marked deleted. */
export async function invitationProjectDeleted(options: {
  db: Queryable;
  invitation: InvitationRow;
}): Promise<boolean> {
  const { project_id } = options.invitation;
  if (project_id === null) return false;
  const project = await first(
    options.db,
    sqlb.selectFrom("ktrlplane.projects").select("deleted_at").where("id", "=", project_id),
  );
  return !project || project.deleted_at !== null;
}
