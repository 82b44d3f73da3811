import { authorizeProject } from "../access/authorize.js";
import type { ProjectBilling } from "../billing/project-billing.js";
import type { AppContext } from "../context.js";
import { recordAudit } from "../db/audit.js";
import type { Queryable } from "../db/database.js";
import { type ProjectRow, renameProject as writeName } from "../db/projects.js";
import type { Role } from "../domain/roles.js";

/** Editors (and owners) rename a project; the audit keeps the old name. */
export async function renameProject(options: {
  ctx: AppContext;
  tx: Queryable;
  actorUserId: string;
  projectId: string;
  name: string;
}): Promise<{ project: ProjectRow; roles: Role[]; billing: ProjectBilling }> {
  const { ctx, tx, actorUserId, name } = options;
  const access = await authorizeProject({
    db: tx,
    userId: actorUserId,
    projectId: options.projectId,
    action: "write_projects",
    lock: "update",
  });
  const { project } = access;
  if (project.name !== name) {
    await writeName({ db: tx, id: project.id, name });
    await recordAudit({
      db: tx,
      entry: {
        organizationId: project.organization_id,
        actorUserId,
        action: "project.renamed",
        subjectType: "project",
        subjectId: project.id,
        before: { name: project.name },
        after: { name },
        at: ctx.clock(),
      },
    });
  }
  return { ...access, project: { ...project, name } };
}
