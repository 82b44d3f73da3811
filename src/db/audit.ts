import type { Queryable } from "./database.js";
import { execute, rows, sqlb } from "./typed.js";

export interface AuditEntry {
  organizationId: string;
  actorUserId: string;
  action:
    | "project.billing_switched"
    | "project.created_with_separate_billing"
    | "billing_account.added"
    | "member.role_granted"
    | "member.role_changed"
    | "machine_token.created"
    | "machine_token.revoked";
  subjectType: "project" | "billing_account" | "member" | "machine_token";
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

export async function listAudit(options: {
  db: Queryable;
  organizationId: string;
}): Promise<AuditRow[]> {
  return rows(
    options.db,
    sqlb
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
      .where("a.organization_id", "=", options.organizationId)
      .orderBy("a.id"),
  );
}
