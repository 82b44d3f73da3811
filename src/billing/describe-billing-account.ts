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

export async function describeBillingAccount(options: {
  ctx: AppContext;
  db: Queryable;
  account: BillingAccountRow;
}): Promise<BillingAccountDescription> {
  const { ctx, db, account } = options;
  const organization = await getOrganization({ db, id: account.organization_id });
  const isPrimary = organization?.primary_billing_account_id === account.id;
  const projects = (await listProjects({ db, organizationId: account.organization_id }))
    .filter(
      (p) => p.billing_account_id === account.id || (isPrimary && p.billing_mode === "inherit"),
    )
    .map((p) => ({ id: p.id, name: p.name }));
  return {
    account,
    current_period: calendarMonthOf(ctx.clock()),
    items: await accountItems({ db, prices: ctx.catalog.prices, billingAccountId: account.id }),
    projects,
  };
}
