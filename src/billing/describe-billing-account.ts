import type { AppContext } from "../context.js";
import type { BillingAccountRow } from "../db/billing-accounts.js";
import type { Queryable } from "../db/database.js";
import { getOrganization } from "../db/organizations.js";
import { listProjects } from "../db/projects.js";
import { calendarMonthOf } from "../domain/billing-period.js";
import { type AccountItem, accountsItems } from "./account-items.js";

export interface BillingAccountDescription {
  account: BillingAccountRow;
  primary: boolean;
  current_period: { start: Date; end: Date };
  items: AccountItem[];
  /** The projects this account pays for now, inheriting ones included. */
  projects: { id: string; name: string }[];
}

/**
 * Accounts of one organization with their items and the projects they pay for, in a constant
 * number of statements however many accounts (a page of them) or projects there are.
 */
export async function describeBillingAccounts(options: {
  ctx: AppContext;
  db: Queryable;
  organizationId: string;
  accounts: BillingAccountRow[];
}): Promise<BillingAccountDescription[]> {
  const { ctx, db, organizationId, accounts } = options;
  if (accounts.length === 0) return [];
  const organization = await getOrganization({ db, id: organizationId });
  const primaryAccountId = organization?.primary_billing_account_id ?? "";
  const accountIds = accounts.map((a) => a.id);
  const projects = await listProjects({
    db,
    organizationId,
    paidBy: { accountIds, primaryAccountId },
  });
  const items = await accountsItems({ ctx, db, billingAccountIds: accountIds });
  const current_period = calendarMonthOf(ctx.clock());
  return accounts.map((account) => ({
    account,
    primary: account.id === primaryAccountId,
    current_period,
    items: items.get(account.id) ?? [],
    projects: projects
      .filter(
        (p) =>
          p.billing_account_id === account.id ||
          (account.id === primaryAccountId && p.billing_mode === "inherit"),
      )
      .map((p) => ({ id: p.id, name: p.name })),
  }));
}

export async function describeBillingAccount(options: {
  ctx: AppContext;
  db: Queryable;
  account: BillingAccountRow;
}): Promise<BillingAccountDescription> {
  const [described] = await describeBillingAccounts({
    ...options,
    organizationId: options.account.organization_id,
    accounts: [options.account],
  });
  return described as BillingAccountDescription;
}
