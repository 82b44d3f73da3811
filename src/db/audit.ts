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
    | "member.removed"
    | "organization.renamed"
    | "project.renamed"
    | "resource.renamed";
  subjectType: "organization" | "project" | "resource" | "billing_account" | "member";
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

/**
 * One page of the organization's audit log in `order` of id: `after` is the cursor (the last id
 * of the previous page); `action` and `actor` (an email, or a user id) filter exactly. Reads one
 * row more than the page to know whether another page exists.
 */
export async function listAudit(options: {
  db: Queryable;
  organizationId: string;
  limit: number;
  order: "asc" | "desc";
  after?: string;
  action?: string;
  actor?: string;
}): Promise<{ rows: AuditRow[]; more: boolean }> {
  const params: unknown[] = [options.organizationId];
  const where = ["a.organization_id = $1"];
  if (options.after !== undefined) {
    params.push(options.after);
    where.push(`a.id ${options.order === "asc" ? ">" : "<"} $${params.length}::bigint`);
  }
  if (options.action !== undefined) {
    params.push(options.action);
    where.push(`a.action = $${params.length}`);
  }
  if (options.actor !== undefined) {
    params.push(options.actor.toLowerCase(), options.actor);
    where.push(`(u.email = $${params.length - 1} OR a.actor_user_id = $${params.length})`);
  }
  params.push(options.limit + 1);
  const rows = await options.db.query<AuditRow>(
    `SELECT a.id, a.at, a.actor_user_id, u.email AS actor_email, a.action, a.subject_type,
            a.subject_id, a.before, a.after
     FROM ktrlplane.audit_events a JOIN ktrlplane.users u ON u.id = a.actor_user_id
     WHERE ${where.join(" AND ")} ORDER BY a.id ${options.order === "asc" ? "ASC" : "DESC"} LIMIT $${params.length}`,
    params,
  );
  return { rows: rows.slice(0, options.limit), more: rows.length > options.limit };
}
