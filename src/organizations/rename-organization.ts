import { authorizeOrganization } from "../access/authorize.js";
import type { AppContext } from "../context.js";
import { recordAudit } from "../db/audit.js";
import type { Queryable } from "../db/database.js";
import { type OrganizationRow, renameOrganization as writeName } from "../db/organizations.js";
import type { Role } from "../domain/roles.js";

/** Owners rename their organization; the audit keeps the old name. */
export async function renameOrganization(options: {
  ctx: AppContext;
  tx: Queryable;
  actorUserId: string;
  organizationId: string;
  name: string;
}): Promise<{ organization: OrganizationRow; role: Role | null }> {
  const { ctx, tx, actorUserId, name } = options;
  const { organization, role } = await authorizeOrganization({
    db: tx,
    userId: actorUserId,
    organizationId: options.organizationId,
    action: "manage_organization",
  });
  if (organization.name !== name) {
    await writeName({ db: tx, id: organization.id, name });
    await recordAudit({
      db: tx,
      entry: {
        organizationId: organization.id,
        actorUserId,
        action: "organization.renamed",
        subjectType: "organization",
        subjectId: organization.id,
        before: { name: organization.name },
        after: { name },
        at: ctx.clock(),
      },
    });
  }
  return { organization: { ...organization, name }, role };
}
