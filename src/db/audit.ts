import { sql } from "kysely";
import { AppError } from "../domain/errors.js";
import type { Queryable } from "./database.js";
import { type Page, type PageKey, toPage } from "./page.js";
import { execute, rows, sqlb } from "./typed.js";

export interface AuditEntry {
  organizationId: string;
  actorUserId: string;
  action:
    | "project.billing_switched"
    | "project.created_with_separate_billing"
    | "billing_account.added"
    | "billing_account.renamed"
    | "billing_account.closed"
    | "billing_account.reopened"
    | "organization.primary_billing_account_changed"
    | "member.role_granted"
    | "member.role_changed"
    | "member.removed"
    | "organization.renamed"
    | "project.renamed"
    | "resource.renamed"
    | "machine_token.created"
    | "machine_token.revoked"
    | "invitation.created"
    | "invitation.revoked"
    | "usage.voided";
  subjectType:
    | "organization"
    | "project"
    | "resource"
    | "billing_account"
    | "member"
    | "machine_token"
    | "invitation";
  subjectId: string;
  before: unknown;
  after: unknown;
  at: Date;
}

export async function recordAudit(options: { db: Queryable; entry: AuditEntry }): Promise<void> {
  const e = options.entry;
  await execute(
    options.db,
    sqlb.insertInto("ktrlplane.audit_events").values({
      organization_id: e.organizationId,
      actor_user_id: e.actorUserId,
      action: e.action,
      subject_type: e.subjectType,
      subject_id: e.subjectId,
      before: e.before === null || e.before === undefined ? null : JSON.stringify(e.before),
      after: e.after === null || e.after === undefined ? null : JSON.stringify(e.after),
      at: e.at,
    }),
  );
}

export interface AuditRow {
  id: number;
  at: Date;
  actor_user_id: string;
  actor_email: string;
  action: string;
  subject_type: string;
  subject_id: string;
  before: unknown;
  after: unknown;
}

/**
 * One page of the organization's audit log in `order` of id (the order of writing, whatever the
 * clock said): `after` is the last row's key of the previous page; `action` and `actor` (an
 * email, or a user id) filter exactly.
 */
export async function listAudit(options: {
  db: Queryable;
  organizationId: string;
  limit: number;
  order: "asc" | "desc";
  after?: PageKey;
  action?: string;
  actor?: string;
}): Promise<Page<AuditRow>> {
  let query = sqlb
    .selectFrom("ktrlplane.audit_events as a")
    .innerJoin("ktrlplane.users as u", "u.id", "a.actor_user_id")
    .select([
      "a.id",
      "a.at",
      "a.actor_user_id",
      "u.email as actor_email",
      "a.action",
      "a.subject_type",
      "a.subject_id",
      "a.before",
      "a.after",
    ])
    .where("a.organization_id", "=", options.organizationId);
  if (options.after !== undefined) {
    if (!/^[0-9]{1,18}$/.test(options.after.id)) {
      throw new AppError({
        code: "validation_failed",
        message: "cursor: must be a next_cursor from a previous page",
        field: "cursor",
      });
    }
    query = query.where(
      "a.id",
      options.order === "asc" ? ">" : "<",
      sql<number>`${options.after.id}::bigint`,
    );
  }
  if (options.action !== undefined) {
    query = query.where("a.action", "=", options.action);
  }
  if (options.actor !== undefined) {
    const actor = options.actor;
    query = query.where((eb) =>
      eb.or([eb("u.email", "=", actor.toLowerCase()), eb("a.actor_user_id", "=", actor)]),
    );
  }
  const found: AuditRow[] = await rows(
    options.db,
    query.orderBy("a.id", options.order).limit(options.limit + 1),
  );
  return toPage({ found, limit: options.limit, keyOf: (r) => ({ at: r.at, id: String(r.id) }) });
}
