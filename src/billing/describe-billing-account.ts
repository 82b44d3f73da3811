import type { AppContext } from "../context.js";
import type { BillingAccountRow } from "../db/billing-accounts.js";
import type { Queryable } from "../db/database.js";
import { getOrganization } from "../db/organizations.js";
import { listProjects } from "../db/projects.js";
import { calendarMonthOf } from "../domain/billing-period.js";
import { type AccountItem, accountItems } from "./account-items.js";

export interface BillingAccountDescription {
  account: BillingAccountRow;
  current_period: { start: Date; end: Date };
  items: AccountItem[];
  /** The projects this account pays for now, inheriting ones included. */
  projects: { id: string; name: string }[];
}

/** Accounts of one organization with their items and the projects they pay for. */
export async function describeBillingAccounts(options: {
  ctx: AppContext;
  db: Queryable;
  organizationId: string;
  accounts: BillingAccountRow[];
}): Promise<BillingAccountDescription[]> {
  const { ctx, db, organizationId, accounts } = options;
  const organization = await getOrganization({ db, id: organizationId });
  const projects = await listProjects({ db, organizationId });
  const current_period = calendarMonthOf(ctx.clock());
  const described: BillingAccountDescription[] = [];
  for (const account of accounts) {
    const isPrimary = organization?.primary_billing_account_id === account.id;
    described.push({
      account,
      current_period,
      items: await accountItems({ ctx, db, billingAccountId: account.id }),
      projects: projects
        .filter(
          (p) => p.billing_account_id === account.id || (isPrimary && p.billing_mode === "inherit"),
        )
        .map((p) => ({ id: p.id, name: p.name })),
    });
  }
  return described;
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
