import { authorizeProject } from "../access/authorize.js";
import type { AppContext } from "../context.js";
import type { Queryable } from "../db/database.js";
import { deleteResourceAndStopBilling } from "../db/ledger.js";
import { getResource } from "../db/resources.js";
import { AppError, notFound } from "../domain/errors.js";

/** Stops billing this one resource; every other resource on the account is untouched. */
export async function deleteResource(options: {
  ctx: AppContext;
  tx: Queryable;
  userId: string;
  resourceId: string;
}): Promise<void> {
  const { ctx, tx, userId, resourceId } = options;
  const found = await getResource({ db: tx, id: resourceId });
  if (!found) throw notFound("Resource");
  // Project first, then resource: the same lock order as a billing switch, so no deadlock and no
  // interval reopened on a resource being deleted.
  await authorizeProject({
    db: tx,
    userId,
    projectId: found.project_id,
    action: "write_resources",
    lock: "share",
  }).catch((error) => {
    // Someone else's resource is answered exactly like one that does not exist.
    throw error instanceof AppError && error.code === "not_found" ? notFound("Resource") : error;
  });
  if (!(await deleteResourceAndStopBilling({ db: tx, resourceId, at: ctx.clock() }))) {
    throw notFound("Resource");
  }
}
