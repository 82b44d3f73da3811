import { authorizeBillingAccount } from "../access/authorize.js";
import type { AppContext } from "../context.js";
import { recordAudit } from "../db/audit.js";
import {
  accountBillers,
  type BillingAccountRow,
  lockBillingAccount,
  setBillingAccountClosed,
} from "../db/billing-accounts.js";
import type { Queryable } from "../db/database.js";
import { markAccountsChanged } from "../db/ledger.js";
import { getOrganization } from "../db/organizations.js";
import { AppError, notFound } from "../domain/errors.js";

/**
 * Why the account cannot be closed, or null: the primary account pays for every inheriting
 * project, and an account some project chose (or that still has open intervals) bills. A project
 * about to leave the account (`exceptProjectId`) is not counted.
 */
export async function closeBlocker(options: {
  db: Queryable;
  account: BillingAccountRow;
  exceptProjectId?: string;
}): Promise<AppError | null> {
  const { db, account } = options;
  const organization = await getOrganization({ db, id: account.organization_id });
  if (organization?.primary_billing_account_id === account.id) {
    return new AppError({
      code: "billing_account_primary",
      message: `"${account.name}" is the organization's primary account; make another account primary first`,
    });
  }
  const billers = await accountBillers({
    db,
    billingAccountId: account.id,
    exceptProjectId: options.exceptProjectId,
  });
  if (billers.projects > 0 || billers.openIntervals > 0) {
    return new AppError({
      code: "billing_account_in_use",
      message: `"${account.name}" still pays for ${billers.projects} project(s); switch them to another account first`,
      details: { projects: billers.projects, open_intervals: billers.openIntervals },
    });
  }
  return null;
}

/**
 * Closes an account nothing bills any more. The ledger keeps its history; the provider is told
 * through a change mark, and its pass ends whatever it still holds (Stripe: the subscription is
 * cancelled with a final invoice, the customer kept). Call with the account locked `update`.
 */
export async function applyAccountClose(options: {
  ctx: AppContext;
  tx: Queryable;
  userId: string;
  account: BillingAccountRow;
}): Promise<BillingAccountRow> {
  const { ctx, tx, userId, account } = options;
  const at = ctx.clock();
  await setBillingAccountClosed({ db: tx, id: account.id, closedAt: at });
  await markAccountsChanged({ db: tx, accountIds: [account.id] });
  await recordAudit({
    db: tx,
    entry: {
      organizationId: account.organization_id,
      actorUserId: userId,
      action: "billing_account.closed",
      subjectType: "billing_account",
      subjectId: account.id,
      before: { closed_at: null },
      after: { closed_at: at.toISOString() },
      at,
    },
  });
  return { ...account, closed_at: at };
}

/** `POST /v1/billing-accounts/{id}/close`: closing a closed account changes nothing. */
export async function closeBillingAccount(options: {
  ctx: AppContext;
  tx: Queryable;
  userId: string;
  billingAccountId: string;
}): Promise<BillingAccountRow> {
  const { ctx, tx, userId, billingAccountId } = options;
  await authorizeBillingAccount({ db: tx, userId, billingAccountId, action: "manage_billing" });
  const account = await lockBillingAccount({ db: tx, id: billingAccountId, mode: "update" });
  if (!account) throw notFound("Billing account");
  if (account.closed_at !== null) return account;
  const blocker = await closeBlocker({ db: tx, account });
  if (blocker) throw blocker;
  return applyAccountClose({ ctx, tx, userId, account });
}
