import type { AppContext } from "../context.js";
import { recordAudit } from "../db/audit.js";
import {
  type BillingAccountRow,
  getBillingAccount,
  lockBillingAccount,
  setBillingAccountClosed,
} from "../db/billing-accounts.js";
import type { Queryable } from "../db/database.js";
import { AppError } from "../domain/errors.js";

/**
 * An account named in a request must belong to the same organization; others do not exist.
 * `lock` when the caller is about to make something bill to it: a concurrent close then waits,
 * or has finished and the caller sees `closed_at` (and reopens it, see `reopenIfClosed`).
 */
export async function findOrganizationAccount(options: {
  db: Queryable;
  organizationId: string;
  billingAccountId: string;
  field: string;
  lock?: boolean;
}): Promise<BillingAccountRow> {
  const { db, billingAccountId: id } = options;
  const account = options.lock
    ? await lockBillingAccount({ db, id, mode: "share" })
    : await getBillingAccount({ db, id });
  if (!account || account.organization_id !== options.organizationId) {
    throw new AppError({
      code: "not_found",
      message: "Billing account not found",
      field: options.field,
    });
  }
  return account;
}

/**
 * A closed account is reopened by using it again: a project billing to it, or making it the
 * primary one. Its ledger history and provider customer were kept; the reopening is audited.
 */
export async function reopenIfClosed(options: {
  ctx: AppContext;
  tx: Queryable;
  userId: string;
  account: BillingAccountRow;
  reason: string;
}): Promise<void> {
  const { ctx, tx, userId, account } = options;
  if (account.closed_at === null) return;
  await setBillingAccountClosed({ db: tx, id: account.id, closedAt: null });
  await recordAudit({
    db: tx,
    entry: {
      organizationId: account.organization_id,
      actorUserId: userId,
      action: "billing_account.reopened",
      subjectType: "billing_account",
      subjectId: account.id,
      before: { closed_at: account.closed_at.toISOString() },
      after: { closed_at: null, reason: options.reason },
      at: ctx.clock(),
    },
  });
}
