import type { Queryable } from "./database.js";

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
  await options.db.query(
    `INSERT INTO ktrlplane.audit_events
       (organization_id, actor_user_id, action, subject_type, subject_id, before, after, at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      e.organizationId,
      e.actorUserId,
      e.action,
      e.subjectType,
      e.subjectId,
      e.before === null || e.before === undefined ? null : JSON.stringify(e.before),
      e.after === null || e.after === undefined ? null : JSON.stringify(e.after),
      e.at,
    ],
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
  return options.db.query<AuditRow>(
    `SELECT a.id, a.at, a.actor_user_id, u.email AS actor_email, a.action, a.subject_type,
            a.subject_id, a.before, a.after
     FROM ktrlplane.audit_events a JOIN ktrlplane.users u ON u.id = a.actor_user_id
     WHERE a.organization_id = $1 ORDER BY a.id`,
    [options.organizationId],
  );
}
