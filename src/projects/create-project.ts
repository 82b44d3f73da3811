import { authorizeOrganization } from "../access/authorize.js";
import { findOrganizationAccount, reopenIfClosed } from "../billing/find-organization-account.js";
import type { AppContext } from "../context.js";
import { recordAudit } from "../db/audit.js";
import { insertBillingAccount } from "../db/billing-accounts.js";
import type { Queryable } from "../db/database.js";
import { newId } from "../db/ids.js";
import { listOrganizationsOfUser } from "../db/organizations.js";
import { insertProject, type ProjectRow } from "../db/projects.js";
import { findUserById } from "../db/users.js";
import { AppError } from "../domain/errors.js";
import { checkQuota } from "../limits/check-quota.js";
import { createOrganization } from "../organizations/create-organization.js";

export interface ProjectBillingInput {
  mode: "inherit" | "separate";
  billing_account_id?: string;
}

export interface CreateProjectInput {
  name: string;
  organization_id?: string;
  billing?: ProjectBillingInput;
}

/**
 * Flow 1 and Flow 3. A caller without any organization gets one (with its primary account) and
 * the project inherits it; a caller with organizations must say which. `separate` billing gives
 * the project its own account, or pins it to an existing account of the organization.
 */
export async function createProject(options: {
  ctx: AppContext;
  tx: Queryable;
  userId: string;
  input: CreateProjectInput;
  /** Prefix of the request fields, for error messages (`project.` when inline in a resource). */
  fieldPrefix?: string;
}): Promise<ProjectRow> {
  const { ctx, tx, userId, input } = options;
  const prefix = options.fieldPrefix ?? "";
  const at = ctx.clock();
  const billing = input.billing ?? { mode: "inherit" };
  let organizationId = input.organization_id;
  if (organizationId === undefined) {
    const organizations = await listOrganizationsOfUser({ db: tx, userId, page: { limit: 1 } });
    if (organizations.length > 0) {
      throw new AppError({
        code: "organization_required",
        message: "You belong to an organization already: say which one the project belongs to",
        field: `${prefix}organization_id`,
      });
    }
    const user = await findUserById({ db: tx, id: userId });
    const organization = await createOrganization({
      ctx,
      tx,
      userId,
      name: user?.name ?? "My organization",
      at,
    });
    organizationId = organization.id;
  } else {
    await authorizeOrganization({ db: tx, userId, organizationId, action: "write_projects" });
  }

  const project: ProjectRow = {
    id: newId("prj"),
    organization_id: organizationId,
    name: input.name,
    billing_mode: billing.mode,
    billing_account_id: null,
    created_at: at,
    deleted_at: null,
  };
  if (billing.mode === "separate") {
    // Choosing who pays is a billing decision: it takes a role that may manage billing too.
    await authorizeOrganization({ db: tx, userId, organizationId, action: "manage_billing" });
    if (billing.billing_account_id) {
      const account = await findOrganizationAccount({
        db: tx,
        organizationId,
        billingAccountId: billing.billing_account_id,
        field: `${prefix}billing.billing_account_id`,
        lock: true,
      });
      await reopenIfClosed({ ctx, tx, userId, account, reason: "project.created" });
      project.billing_account_id = account.id;
    } else {
      project.billing_account_id = newId("ba");
      await insertBillingAccount({
        db: tx,
        account: {
          id: project.billing_account_id,
          organization_id: organizationId,
          name: input.name,
          currency: ctx.catalog.currency,
          status: ctx.provider.initialAccountStatus,
          scope: "project",
          owner_project_id: project.id,
          created_at: at,
        },
      });
    }
  }
  await insertProject({ db: tx, project });
  await checkQuota({ tx, quotas: ctx.quotas, organizationId, quota: "projects" });
  if (billing.mode === "separate" && !billing.billing_account_id) {
    await checkQuota({ tx, quotas: ctx.quotas, organizationId, quota: "billing_accounts" });
  }
  if (billing.mode === "separate") {
    await recordAudit({
      db: tx,
      entry: {
        organizationId,
        actorUserId: userId,
        action: "project.created_with_separate_billing",
        subjectType: "project",
        subjectId: project.id,
        before: null,
        after: { mode: "separate", billing_account_id: project.billing_account_id },
        at,
      },
    });
  }
  return project;
}
