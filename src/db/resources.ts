import type { Queryable } from "./database.js";

export interface ResourceRow {
  id: string;
  organization_id: string;
  project_id: string;
  name: string;
  resource_type: string;
  sku: string;
  created_at: Date;
  deleted_at: Date | null;
}

export async function getResource(options: {
  db: Queryable;
  id: string;
}): Promise<ResourceRow | undefined> {
  const rows = await options.db.query<ResourceRow>(
    "SELECT * FROM ktrlplane.resources WHERE id = $1 AND deleted_at IS NULL",
    [options.id],
  );
  return rows[0];
}

export async function listResources(options: {
  db: Queryable;
  projectId: string;
}): Promise<ResourceRow[]> {
  return options.db.query<ResourceRow>(
    `SELECT * FROM ktrlplane.resources WHERE project_id = $1 AND deleted_at IS NULL
     ORDER BY created_at, id`,
    [options.projectId],
  );
}

/** Marks every live resource of a project deleted and returns their ids, to close their intervals. */
export async function markProjectResourcesDeleted(options: {
  db: Queryable;
  projectId: string;
  at: Date;
}): Promise<string[]> {
  const rows = await options.db.query<{ id: string }>(
    "UPDATE ktrlplane.resources SET deleted_at = $2 WHERE project_id = $1 AND deleted_at IS NULL RETURNING id",
    [options.projectId, options.at],
  );
  return rows.map((r) => r.id);
}

/** Names of resources by id, deleted ones included: past costs still need a label. */
export async function resourceNames(options: {
  db: Queryable;
  ids: string[];
}): Promise<Map<string, string>> {
  const rows = await options.db.query<{ id: string; name: string }>(
    "SELECT id, name FROM ktrlplane.resources WHERE id = ANY($1::text[])",
    [options.ids],
  );
  return new Map(rows.map((r) => [r.id, r.name]));
}

export async function renameResource(options: {
  db: Queryable;
  id: string;
  name: string;
}): Promise<void> {
  await options.db.query("UPDATE ktrlplane.resources SET name = $2 WHERE id = $1", [
    options.id,
    options.name,
  ]);
}
