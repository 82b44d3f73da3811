import { authorizeBillingAccount } from "../access/authorize.js";
import type { AppContext } from "../context.js";
import { recordAudit } from "../db/audit.js";
import {
  type BillingAccountRow,
  renameBillingAccount as writeName,
} from "../db/billing-accounts.js";
import type { Queryable } from "../db/database.js";
import { markAccountsChanged } from "../db/ledger.js";

/**
 * Billing admins and owners rename an account; the audit keeps the old name. The provider's copy
 * (Stripe's customer name) follows through the reconciler: the name is part of the desired state,
 * and the account is marked dirty in the same transaction — no provider call in the request.
 */
export async function renameBillingAccount(options: {
  ctx: AppContext;
  tx: Queryable;
  userId: string;
  billingAccountId: string;
  name: string;
}): Promise<BillingAccountRow> {
  const { ctx, tx, userId, name } = options;
  const account = await authorizeBillingAccount({
    db: tx,
    userId,
    billingAccountId: options.billingAccountId,
    action: "manage_billing",
  });
  if (account.name === name) return account;
  await writeName({ db: tx, id: account.id, name });
  await markAccountsChanged({ db: tx, accountIds: [account.id] });
  await recordAudit({
    db: tx,
    entry: {
      organizationId: account.organization_id,
      actorUserId: userId,
      action: "billing_account.renamed",
      subjectType: "billing_account",
      subjectId: account.id,
      before: { name: account.name },
      after: { name },
      at: ctx.clock(),
    },
  });
  return { ...account, name };
}
