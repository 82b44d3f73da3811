import type { Selectable } from "kysely";
import type { Queryable } from "./database.js";
import { type PageRequest, paged } from "./page.js";
import type { Resources } from "./schema.js";
import { execute, first, rows, sqlb, textArray } from "./typed.js";

export type ResourceRow = Selectable<Resources>;

export async function getResource(options: {
  db: Queryable;
  id: string;
}): Promise<ResourceRow | undefined> {
  return first(
    options.db,
    sqlb
      .selectFrom("ktrlplane.resources")
      .selectAll()
      .where("id", "=", options.id)
      .where("deleted_at", "is", null),
  );
}

/** A page of a project's live resources (a page always: a project may hold very many). */
export async function listResources(options: {
  db: Queryable;
  projectId: string;
  page: PageRequest;
}): Promise<ResourceRow[]> {
  const { page } = options;
  return rows(
    options.db,
    sqlb
      .selectFrom("ktrlplane.resources")
      .selectAll()
      .where("project_id", "=", options.projectId)
      .where("deleted_at", "is", null)
      .$call((qb) => paged(qb, { at: "created_at", id: "id", page })),
  );
}

/** Marks every live resource of a project deleted (their intervals are closed first). */
export async function markProjectResourcesDeleted(options: {
  db: Queryable;
  projectId: string;
  at: Date;
}): Promise<void> {
  await execute(
    options.db,
    sqlb
      .updateTable("ktrlplane.resources")
      .set({ deleted_at: options.at })
      .where("project_id", "=", options.projectId)
      .where("deleted_at", "is", null),
  );
}

/** Resources by id with their project and whether they are deleted: labels for past costs. */
export async function resourceLabels(options: {
  db: Queryable;
  ids: string[];
}): Promise<Map<string, { name: string; project_id: string; deleted: boolean }>> {
  const labelled = await rows(
    options.db,
    sqlb
      .selectFrom("ktrlplane.resources")
      .select(["id", "name", "project_id", "deleted_at"])
      .where((eb) => eb("id", "=", eb.fn.any(textArray(options.ids)))),
  );
  return new Map(
    labelled.map((r) => [
      r.id,
      { name: r.name, project_id: r.project_id, deleted: r.deleted_at !== null },
    ]),
  );
}

export async function renameResource(options: {
  db: Queryable;
  id: string;
  name: string;
}): Promise<void> {
  await execute(
    options.db,
    sqlb
      .updateTable("ktrlplane.resources")
      .set({ name: options.name })
      .where("id", "=", options.id),
  );
}
