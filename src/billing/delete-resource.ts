import { authorizeProject } from "../access/authorize.js";
import type { AppContext } from "../context.js";
import type { Transaction } from "../db/database.js";
import { deleteResourceAndStopBilling, writesChangeMarks } from "../db/ledger.js";
import { AppError, notFound } from "../domain/errors.js";
import type { DeferredSession } from "../identity/deferred-session.js";

/** Stops billing this one resource; every other resource on the account is untouched. */
export async function deleteResource(options: {
  ctx: AppContext;
  tx: Transaction;
  userId: string;
  resourceId: string;
  /** The caller's session when its read was left to this request's first statement. */
  session?: DeferredSession | undefined;
}): Promise<void> {
  const { ctx, tx, userId, resourceId, session } = options;
  // Project first, then resource: the same lock order as a billing switch, so no deadlock and no
  // interval reopened on a resource being deleted. The resource's project is read in the same
  // statement; a resource that does not exist (or is deleted) has no project: 404.
  await authorizeProject({
    db: tx,
    userId,
    resourceId,
    action: "write_resources",
    lock: "share",
    session,
  }).catch((error) => {
    // Someone else's resource is answered exactly like one that does not exist.
    throw error instanceof AppError && error.code === "not_found" ? notFound("Resource") : error;
  });
  // The request's last statement: it commits as it goes. A resource deleted meanwhile (a
  // concurrent delete won) leaves nothing to commit, and is answered 404.
  const marks = writesChangeMarks(ctx.provider);
  if (!(await deleteResourceAndStopBilling({ tx, resourceId, at: ctx.clock(), marks }))) {
    throw notFound("Resource");
  }
}
