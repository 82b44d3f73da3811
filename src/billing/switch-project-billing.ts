import { authorizeProject, holdsOrganizationRole } from "../access/authorize.js";
import type { AppContext } from "../context.js";
import { recordAudit } from "../db/audit.js";
import {
  type BillingAccountRow,
  findProjectOwnAccount,
  insertBillingAccount,
  lockBillingAccount,
} from "../db/billing-accounts.js";
import type { Queryable } from "../db/database.js";
import { newId } from "../db/ids.js";
import { getOrganization } from "../db/organizations.js";
import { type ProjectRow, updateProjectBilling } from "../db/projects.js";
import { AppError } from "../domain/errors.js";
import { checkQuota } from "../limits/check-quota.js";
import type { ProjectBillingInput } from "../projects/create-project.js";
import { applyAccountClose, closeBlocker } from "./close-billing-account.js";
import { findOrganizationAccount, reopenIfClosed } from "./find-organization-account.js";
import {
  type BillingSwitchPlan,
  moveOpenIntervals,
  planBillingSwitch,
} from "./move-open-intervals.js";

export interface ProjectBillingSwitch {
  project: ProjectRow;
  mode: "inherit" | "separate";
  from: { billing_account_id: string; name: string };
  /**
   * `create` is set when the project's own account does not exist yet and the apply makes it;
   * `reopen` when the account was closed: using it again reopens it.
   */
  to: {
    billing_account_id: string;
    name: string;
    create: boolean;
    reopen: boolean;
    account?: BillingAccountRow;
  };
  /** The account the project leaves, when it is another one: whether nothing bills it after. */
  left: { billing_account_id: string; name: string; closable: boolean; close: boolean } | null;
  plan: BillingSwitchPlan;
}

/** A switch's input: who pays next, and whether to close the account it leaves empty. */
export type ProjectBillingSwitchInput = ProjectBillingInput & { close_left_account?: boolean };

function target(account: BillingAccountRow): ProjectBillingSwitch["to"] {
  return {
    billing_account_id: account.id,
    name: account.name,
    create: false,
    reopen: account.closed_at !== null,
    account,
  };
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
  input: ProjectBillingSwitchInput;
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
    // The organization row is held FOR KEY SHARE since the project was read: the primary stays.
    const organization = await getOrganization({ db: tx, id: project.organization_id });
    const id = organization?.primary_billing_account_id ?? "";
    const account = await findOrganizationAccount({
      db: tx,
      organizationId: project.organization_id,
      billingAccountId: id,
      field: "mode",
      lock: true,
    });
    to = target(account);
  } else if (input.billing_account_id) {
    const account = await findOrganizationAccount({
      db: tx,
      organizationId: project.organization_id,
      billingAccountId: input.billing_account_id,
      field: "billing_account_id",
      lock: true,
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
    to = target(account);
  } else {
    const own = await findProjectOwnAccount({ db: tx, projectId });
    const locked = own && (await lockBillingAccount({ db: tx, id: own.id, mode: "share" }));
    to = locked
      ? target(locked)
      : {
          billing_account_id: newId("ba"),
          name: project.name,
          create: true,
          reopen: false,
        };
  }
  const left = await planLeftAccount({
    tx,
    project,
    from: current.account,
    toAccountId: to.billing_account_id,
    close: input.close_left_account ?? false,
  });
  const plan = await planBillingSwitch({
    tx,
    scope: { projectId: project.id },
    fromAccountId: current.billing_account_id,
    toAccountId: to.billing_account_id,
    at: ctx.clock(),
  });
  return {
    project,
    mode: input.mode,
    from: { billing_account_id: current.billing_account_id, name: current.account.name },
    to,
    left,
    plan,
  };
}

/**
 * Whether the account the project leaves is left with nothing to bill, so that it may be closed
 * with the switch (`close_left_account`). Asked to close it, the account is locked first and a
 * reason not to is the switch's error: nothing is half done.
 */
async function planLeftAccount(options: {
  tx: Queryable;
  project: ProjectRow;
  from: BillingAccountRow;
  toAccountId: string;
  close: boolean;
}): Promise<ProjectBillingSwitch["left"]> {
  const { tx, project, toAccountId, close } = options;
  if (options.from.id === toAccountId) return null;
  const from = close
    ? await lockBillingAccount({ db: tx, id: options.from.id, mode: "update" })
    : options.from;
  if (!from) throw new Error(`billing account ${options.from.id} missing`);
  const blocker =
    from.closed_at === null
      ? await closeBlocker({ db: tx, account: from, exceptProjectId: project.id })
      : null;
  if (close && blocker) {
    throw new AppError({
      code: blocker.code,
      message: `The switch would leave "${from.name}" still billing: ${blocker.message}`,
      field: "close_left_account",
      details: blocker.details,
    });
  }
  return {
    billing_account_id: from.id,
    name: from.name,
    closable: from.closed_at === null && blocker === null,
    close: close && from.closed_at === null,
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
  const { project, plan, to, left } = change;
  if (to.account && to.reopen) {
    await reopenIfClosed({
      ctx,
      tx,
      userId,
      account: to.account,
      reason: "project.billing_switched",
    });
  }
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
  await moveOpenIntervals({ ctx, tx, plan });
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
        moved_resources: plan.moving.resources,
      },
      at: plan.at,
    },
  });
  if (left?.close) {
    const account = await lockBillingAccount({
      db: tx,
      id: left.billing_account_id,
      mode: "update",
    });
    if (account) await applyAccountClose({ ctx, tx, userId, account });
  }
}
