import type { Selectable } from "kysely";
import type { Queryable } from "./database.js";
import { type PageRequest, paged } from "./page.js";
import type { Projects } from "./schema.js";
import { execute, rows, sqlb, textArray } from "./typed.js";

export type ProjectRow = Selectable<Projects>;

export async function insertProject(options: {
  db: Queryable;
  project: ProjectRow;
}): Promise<void> {
  const p = options.project;
  await execute(
    options.db,
    sqlb.insertInto("ktrlplane.projects").values({
      id: p.id,
      organization_id: p.organization_id,
      name: p.name,
      billing_mode: p.billing_mode,
      billing_account_id: p.billing_account_id,
      created_at: p.created_at,
    }),
  );
}

/**
 * Live projects of an organization; `onlyIds` narrows them to those a caller holds a role on, and
 * `payingAccountIds` to those paid by these accounts (inheriting ones count for the primary).
 */
export async function listProjects(options: {
  db: Queryable;
  organizationId: string;
  onlyIds?: string[];
  paidBy?: { accountIds: string[]; primaryAccountId: string };
  page?: PageRequest;
}): Promise<ProjectRow[]> {
  const { onlyIds, paidBy, page } = options;
  return rows(
    options.db,
    sqlb
      .selectFrom("ktrlplane.projects")
      .selectAll()
      .where("organization_id", "=", options.organizationId)
      .where("deleted_at", "is", null)
      .$if(onlyIds !== undefined, (qb) =>
        qb.where((eb) => eb("id", "=", eb.fn.any(textArray(onlyIds ?? [])))),
      )
      .$if(paidBy !== undefined, (qb) =>
        qb.where((eb) =>
          eb.or([
            eb("billing_account_id", "=", eb.fn.any(textArray(paidBy?.accountIds ?? []))),
            eb.and([
              eb("billing_mode", "=", "inherit"),
              eb.lit(paidBy?.accountIds.includes(paidBy.primaryAccountId) ?? false),
            ]),
          ]),
        ),
      )
      .$call((qb) => paged(qb, { at: "created_at", id: "id", page })),
  );
}

export async function updateProjectBilling(options: {
  db: Queryable;
  id: string;
  mode: "inherit" | "separate";
  billingAccountId: string | null;
}): Promise<void> {
  await execute(
    options.db,
    sqlb
      .updateTable("ktrlplane.projects")
      .set({ billing_mode: options.mode, billing_account_id: options.billingAccountId })
      .where("id", "=", options.id),
  );
}

export async function markProjectDeleted(options: {
  db: Queryable;
  id: string;
  at: Date;
}): Promise<void> {
  await execute(
    options.db,
    sqlb
      .updateTable("ktrlplane.projects")
      .set({ deleted_at: options.at })
      .where("id", "=", options.id),
  );
}

/** Projects by id and whether they are deleted: labels for past costs. */
export async function projectLabels(options: {
  db: Queryable;
  ids: string[];
}): Promise<Map<string, { name: string; deleted: boolean }>> {
  const labelled = await rows(
    options.db,
    sqlb
      .selectFrom("ktrlplane.projects")
      .select(["id", "name", "deleted_at"])
      .where((eb) => eb("id", "=", eb.fn.any(textArray(options.ids)))),
  );
  return new Map(labelled.map((r) => [r.id, { name: r.name, deleted: r.deleted_at !== null }]));
}

export async function renameProject(options: {
  db: Queryable;
  id: string;
  name: string;
}): Promise<void> {
  await execute(
    options.db,
    sqlb.updateTable("ktrlplane.projects").set({ name: options.name }).where("id", "=", options.id),
  );
}
