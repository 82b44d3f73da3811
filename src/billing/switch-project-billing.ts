import { authorizeProject, holdsOrganizationRole } from "../access/authorize.js";
import type { AppContext } from "../context.js";
import { recordAudit } from "../db/audit.js";
import { findProjectOwnAccount, insertBillingAccount } from "../db/billing-accounts.js";
import type { Queryable } from "../db/database.js";
import { newId } from "../db/ids.js";
import {
  closeIntervals,
  type OpenInterval,
  openIntervals,
  openIntervalsOfProject,
} from "../db/ledger.js";
import { getOrganization } from "../db/organizations.js";
import { type ProjectRow, updateProjectBilling } from "../db/projects.js";
import { type BillingSwitchPlan, planBillingSwitch } from "../domain/billing-scope.js";
import { AppError } from "../domain/errors.js";
import { checkQuota } from "../limits/check-quota.js";
import type { ProjectBillingInput } from "../projects/create-project.js";
import { findOrganizationAccount } from "./find-organization-account.js";

export interface ProjectBillingSwitch {
  project: ProjectRow;
  mode: "inherit" | "separate";
  from: { billing_account_id: string; name: string };
  /** `create` is set when the project's own account does not exist yet and the apply makes it. */
  to: { billing_account_id: string; name: string; create: boolean };
  plan: BillingSwitchPlan<OpenInterval>;
}

/**
 * Computes what switching a project's billing would do, without writing: the preview (`dry_run`)
 * stops here, the switch applies exactly this. Call inside the transaction that applies it, so
 * the project row stays locked between the two.
 */
export async function planProjectBillingSwitch(options: {
  ctx: AppContext;
  tx: Queryable;
  userId: string;
  projectId: string;
  input: ProjectBillingInput;
}): Promise<ProjectBillingSwitch> {
  const { ctx, tx, userId, projectId, input } = options;
  const { project, billing: current } = await authorizeProject({
    db: tx,
    userId,
    projectId,
    action: "manage_billing",
    lock: "update",
  });
  let to: ProjectBillingSwitch["to"];
  if (input.mode === "inherit") {
    const organization = await getOrganization({ db: tx, id: project.organization_id });
    const id = organization?.primary_billing_account_id ?? "";
    const account = await findOrganizationAccount({
      db: tx,
      organizationId: project.organization_id,
      billingAccountId: id,
      field: "mode",
    });
    to = { billing_account_id: account.id, name: account.name, create: false };
  } else if (input.billing_account_id) {
    const account = await findOrganizationAccount({
      db: tx,
      organizationId: project.organization_id,
      billingAccountId: input.billing_account_id,
      field: "billing_account_id",
    });
    // Who pays is chosen with the same rights as at creation: an organization-scope billing role,
    // unless the account is the project's own or already pays for it (a role held on this project
    // only must not move it onto a department's or another project's account).
    const alreadyTheProjects =
      account.owner_project_id === project.id ||
      (project.billing_mode === "separate" && project.billing_account_id === account.id);
    if (
      !alreadyTheProjects &&
      !(await holdsOrganizationRole({
        db: tx,
        userId,
        organizationId: project.organization_id,
        action: "manage_billing",
      }))
    ) {
      throw new AppError({
        code: "forbidden",
        message:
          "Choosing an account other than the project's own takes a billing role in the organization",
        field: "billing_account_id",
      });
    }
    to = { billing_account_id: account.id, name: account.name, create: false };
  } else {
    const own = await findProjectOwnAccount({ db: tx, projectId });
    to = own
      ? { billing_account_id: own.id, name: own.name, create: false }
      : { billing_account_id: newId("ba"), name: project.name, create: true };
  }
  const plan = planBillingSwitch({
    fromAccountId: current.billing_account_id,
    toAccountId: to.billing_account_id,
    openIntervals: await openIntervalsOfProject({ db: tx, projectId }),
    at: ctx.clock(),
  });
  return {
    project,
    mode: input.mode,
    from: { billing_account_id: current.billing_account_id, name: current.account.name },
    to,
    plan,
  };
}

/** Moves every open interval of the project at one instant: no second billed twice or not at all. */
export async function applyProjectBillingSwitch(options: {
  ctx: AppContext;
  tx: Queryable;
  userId: string;
  change: ProjectBillingSwitch;
}): Promise<void> {
  const { ctx, tx, userId, change } = options;
  const { project, plan, to } = change;
  if (to.create) {
    await insertBillingAccount({
      db: tx,
      account: {
        id: to.billing_account_id,
        organization_id: project.organization_id,
        name: to.name,
        currency: ctx.catalog.currency,
        status: ctx.provider.initialAccountStatus,
        scope: "project",
        owner_project_id: project.id,
        created_at: plan.at,
      },
    });
    await checkQuota({
      tx,
      quotas: ctx.quotas,
      organizationId: project.organization_id,
      quota: "billing_accounts",
    });
  }
  await closeIntervals({ db: tx, resourceIds: plan.close.map((i) => i.resource_id), at: plan.at });
  await openIntervals({ db: tx, intervals: plan.open, at: plan.at });
  const billingAccountId = change.mode === "inherit" ? null : to.billing_account_id;
  await updateProjectBilling({ db: tx, id: project.id, mode: change.mode, billingAccountId });
  await recordAudit({
    db: tx,
    entry: {
      organizationId: project.organization_id,
      actorUserId: userId,
      action: "project.billing_switched",
      subjectType: "project",
      subjectId: project.id,
      before: { mode: project.billing_mode, billing_account_id: change.from.billing_account_id },
      after: {
        mode: change.mode,
        billing_account_id: to.billing_account_id,
        moved_resources: plan.open.length,
      },
      at: plan.at,
    },
  });
}
