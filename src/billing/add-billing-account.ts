import { authorizeOrganization } from "../access/authorize.js";
import type { AppContext } from "../context.js";
import { recordAudit } from "../db/audit.js";
import { type BillingAccountRow, insertBillingAccount } from "../db/billing-accounts.js";
import type { Queryable } from "../db/database.js";
import { newId } from "../db/ids.js";
import { AppError } from "../domain/errors.js";
import { checkQuota } from "../limits/check-quota.js";

/** A department's account. One currency per organization for now: the catalog's. */
export async function addBillingAccount(options: {
  ctx: AppContext;
  tx: Queryable;
  userId: string;
  organizationId: string;
  input: { name: string; currency?: string };
}): Promise<BillingAccountRow> {
  const { ctx, tx, userId, organizationId, input } = options;
  const { organization } = await authorizeOrganization({
    db: tx,
    userId,
    organizationId,
    action: "manage_billing",
  });
  const currency = input.currency ?? organization.currency;
  if (currency !== organization.currency) {
    throw new AppError({
      code: "currency_mismatch",
      message: `This organization bills in ${organization.currency.toUpperCase()}; accounts in other currencies are not supported yet`,
      field: "currency",
    });
  }
  const at = ctx.clock();
  const account: BillingAccountRow = {
    id: newId("ba"),
    organization_id: organizationId,
    name: input.name,
    currency,
    status: ctx.provider.initialAccountStatus,
    scope: "organization",
    owner_project_id: null,
    created_at: at,
    closed_at: null,
  };
  await insertBillingAccount({ db: tx, account });
  await checkQuota({ tx, quotas: ctx.quotas, organizationId, quota: "billing_accounts" });
  await recordAudit({
    db: tx,
    entry: {
      organizationId,
      actorUserId: userId,
      action: "billing_account.added",
      subjectType: "billing_account",
      subjectId: account.id,
      before: null,
      after: { name: account.name, currency },
      at,
    },
  });
  return account;
}
