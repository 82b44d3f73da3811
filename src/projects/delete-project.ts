import { authorizeProject } from "../access/authorize.js";
import type { AppContext } from "../context.js";
import type { Queryable } from "../db/database.js";
import { closeIntervals, writesChangeMarks } from "../db/ledger.js";
import { markProjectDeleted } from "../db/projects.js";
import { markProjectResourcesDeleted } from "../db/resources.js";

/** Deleting a project deletes its resources and stops billing each of them at the same instant. */
export async function deleteProject(options: {
  ctx: AppContext;
  tx: Queryable;
  userId: string;
  projectId: string;
}): Promise<void> {
  const { ctx, tx, userId, projectId } = options;
  await authorizeProject({ db: tx, userId, projectId, action: "write_projects", lock: "update" });
  const at = ctx.clock();
  // Its live resources' intervals first: they are found as the project's live resources.
  await closeIntervals({
    db: tx,
    scope: { projectId },
    at,
    marks: writesChangeMarks(ctx.provider),
  });
  await markProjectResourcesDeleted({ db: tx, projectId, at });
  await markProjectDeleted({ db: tx, id: projectId, at });
}
