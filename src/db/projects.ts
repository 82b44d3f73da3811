import type { Queryable } from "./database.js";

export interface ProjectRow {
  id: string;
  organization_id: string;
  name: string;
  billing_mode: "inherit" | "separate";
  billing_account_id: string | null;
  created_at: Date;
  deleted_at: Date | null;
}

export async function insertProject(options: {
  db: Queryable;
  project: ProjectRow;
}): Promise<void> {
  const p = options.project;
  await options.db.query(
    `INSERT INTO ktrlplane.projects (id, organization_id, name, billing_mode, billing_account_id, created_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [p.id, p.organization_id, p.name, p.billing_mode, p.billing_account_id, p.created_at],
  );
}

export async function listProjects(options: {
  db: Queryable;
  organizationId: string;
}): Promise<ProjectRow[]> {
  return options.db.query<ProjectRow>(
    `SELECT * FROM ktrlplane.projects WHERE organization_id = $1 AND deleted_at IS NULL
     ORDER BY created_at, id`,
    [options.organizationId],
  );
}

export async function updateProjectBilling(options: {
  db: Queryable;
  id: string;
  mode: "inherit" | "separate";
  billingAccountId: string | null;
}): Promise<void> {
  await options.db.query(
    "UPDATE ktrlplane.projects SET billing_mode = $2, billing_account_id = $3 WHERE id = $1",
    [options.id, options.mode, options.billingAccountId],
  );
}

export async function markProjectDeleted(options: {
  db: Queryable;
  id: string;
  at: Date;
}): Promise<void> {
  await options.db.query("UPDATE ktrlplane.projects SET deleted_at = $2 WHERE id = $1", [
    options.id,
    options.at,
  ]);
}

/** Names of projects by id, deleted ones included: past costs still need a label. */
export async function projectNames(options: {
  db: Queryable;
  ids: string[];
}): Promise<Map<string, string>> {
  const rows = await options.db.query<{ id: string; name: string }>(
    "SELECT id, name FROM ktrlplane.projects WHERE id = ANY($1::text[])",
    [options.ids],
  );
  return new Map(rows.map((r) => [r.id, r.name]));
}

export async function renameProject(options: {
  db: Queryable;
  id: string;
  name: string;
}): Promise<void> {
  await options.db.query("UPDATE ktrlplane.projects SET name = $2 WHERE id = $1", [
    options.id,
    options.name,
  ]);
}
