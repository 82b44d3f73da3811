import { authorizeResource } from "../access/authorize.js";
import type { ProjectBilling } from "../billing/project-billing.js";
import type { AppContext } from "../context.js";
import { recordAudit } from "../db/audit.js";
import type { Queryable } from "../db/database.js";
import { type ResourceRow, renameResource as writeName } from "../db/resources.js";

/**
 * Those who may write the project's resources rename one; billing is untouched (the ledger keys
 * on the id). Another tenant's resource does not exist.
 */
export async function renameResource(options: {
  ctx: AppContext;
  tx: Queryable;
  actorUserId: string;
  resourceId: string;
  name: string;
}): Promise<{ resource: ResourceRow; billing: ProjectBilling }> {
  const { ctx, tx, actorUserId, name } = options;
  const { resource, billing } = await authorizeResource({
    db: tx,
    userId: actorUserId,
    resourceId: options.resourceId,
    action: "write_resources",
  });
  if (resource.name !== name) {
    await writeName({ db: tx, id: resource.id, name });
    await recordAudit({
      db: tx,
      entry: {
        organizationId: resource.organization_id,
        actorUserId,
        action: "resource.renamed",
        subjectType: "resource",
        subjectId: resource.id,
        before: { name: resource.name },
        after: { name },
        at: ctx.clock(),
      },
    });
  }
  return { resource: { ...resource, name }, billing };
}
