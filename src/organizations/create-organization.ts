import { assertNotMachine } from "../access/machine-scopes.js";
import type { AppContext } from "../context.js";
import { insertBillingAccount } from "../db/billing-accounts.js";
import type { Queryable } from "../db/database.js";
import { newId } from "../db/ids.js";
import { grantRole } from "../db/memberships.js";
import { insertOrganization, type OrganizationRow } from "../db/organizations.js";

/**
 * An organization is born with its primary billing account (named after it) and its creator as
 * owner, in the caller's transaction.
 */
export async function createOrganization(options: {
  ctx: AppContext;
  tx: Queryable;
  userId: string;
  name: string;
  at: Date;
}): Promise<OrganizationRow> {
  const { ctx, tx, userId, name, at } = options;
  assertNotMachine(userId);
  const organization: OrganizationRow = {
    id: newId("org"),
    name,
    currency: ctx.catalog.currency,
    primary_billing_account_id: newId("ba"),
    created_at: at,
  };
  await insertOrganization({ db: tx, organization });
  await insertBillingAccount({
    db: tx,
    account: {
      id: organization.primary_billing_account_id,
      organization_id: organization.id,
      name,
      currency: organization.currency,
      status: ctx.provider.initialAccountStatus,
      scope: "organization",
      owner_project_id: null,
      created_at: at,
    },
  });
  await grantRole({
    db: tx,
    userId,
    organizationId: organization.id,
    projectId: null,
    role: "owner",
    at,
  });
  return organization;
}
