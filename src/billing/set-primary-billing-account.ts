import { authorizeBillingAccount } from "../access/authorize.js";
import type { AppContext } from "../context.js";
import { recordAudit } from "../db/audit.js";
import {
  accountBillers,
  type BillingAccountRow,
  getBillingAccount,
} from "../db/billing-accounts.js";
import type { Queryable } from "../db/database.js";
import {
  lockOrganization,
  type OrganizationRow,
  setPrimaryBillingAccount,
} from "../db/organizations.js";
import { AppError, notFound } from "../domain/errors.js";
import { findOrganizationAccount, reopenIfClosed } from "./find-organization-account.js";
import {
  type BillingSwitchPlan,
  moveOpenIntervals,
  planBillingSwitch,
} from "./move-open-intervals.js";

export interface PrimaryAccountChange {
  organization: OrganizationRow;
  from: BillingAccountRow;
  to: BillingAccountRow;
  /** Every inheriting project's open intervals, moved at one instant. */
  plan: BillingSwitchPlan;
  /** Whether nothing bills the former primary once it is no longer the primary. */
  leftClosable: boolean;
}

/**
 * What making another account the organization's primary would do, without writing: the
 * preview (`dry_run`) stops here. The organization row is locked FOR UPDATE, which every request
 * resolving an inheriting project's account waits for (src/db/project-access.ts): no resource is
 * created on, or deleted from, the old primary between this plan and its apply.
 */
export async function planPrimaryAccountChange(options: {
  ctx: AppContext;
  tx: Queryable;
  userId: string;
  billingAccountId: string;
}): Promise<PrimaryAccountChange> {
  const { ctx, tx, userId, billingAccountId } = options;
  const named = await authorizeBillingAccount({
    db: tx,
    userId,
    billingAccountId,
    action: "manage_billing",
  });
  const organization = await lockOrganization({
    db: tx,
    id: named.organization_id,
    mode: "update",
  });
  if (!organization) throw notFound("Organization");
  const to = await findOrganizationAccount({
    db: tx,
    organizationId: organization.id,
    billingAccountId,
    field: "id",
    lock: true,
  });
  if (to.scope === "project") {
    throw new AppError({
      code: "conflict",
      message: `"${to.name}" is a project's own account; only an organization account can be the primary`,
    });
  }
  const from = await getBillingAccount({ db: tx, id: organization.primary_billing_account_id });
  if (!from) throw new Error(`billing account ${organization.primary_billing_account_id} missing`);
  const plan = await planBillingSwitch({
    tx,
    scope: { inheritingProjectsOf: organization.id },
    fromAccountId: from.id,
    toAccountId: to.id,
    at: ctx.clock(),
  });
  // Once no longer the primary, the former one bills only what chose it explicitly: closable
  // when no project chose it and every open interval on it is one the change moves.
  const billers = await accountBillers({ db: tx, billingAccountId: from.id });
  const leftClosable =
    from.id !== to.id &&
    from.closed_at === null &&
    billers.projects === 0 &&
    billers.openIntervals === plan.moving.resources;
  return { organization, from, to, plan, leftClosable };
}

/** Makes `to` the primary: every inheriting project's open intervals move at `plan.at`. */
export async function applyPrimaryAccountChange(options: {
  ctx: AppContext;
  tx: Queryable;
  userId: string;
  change: PrimaryAccountChange;
}): Promise<void> {
  const { ctx, tx, userId, change } = options;
  const { organization, from, to, plan } = change;
  if (from.id === to.id) return;
  await reopenIfClosed({ ctx, tx, userId, account: to, reason: "organization.primary" });
  await moveOpenIntervals({ ctx, tx, plan });
  await setPrimaryBillingAccount({ db: tx, id: organization.id, billingAccountId: to.id });
  await recordAudit({
    db: tx,
    entry: {
      organizationId: organization.id,
      actorUserId: userId,
      action: "organization.primary_billing_account_changed",
      subjectType: "organization",
      subjectId: organization.id,
      before: { primary_billing_account_id: from.id },
      after: { primary_billing_account_id: to.id, moved_resources: plan.moving.resources },
      at: plan.at,
    },
  });
}
