import { type BillingAccountRow, getBillingAccount } from "../db/billing-accounts.js";
import type { Queryable } from "../db/database.js";
import { getOrganization } from "../db/organizations.js";
import type { ProjectRow } from "../db/projects.js";
import { resolveBillingAccountId } from "../domain/billing-scope.js";

export interface ProjectBilling {
  mode: "inherit" | "separate";
  billing_account_id: string;
  inherited: boolean;
  account: BillingAccountRow;
}

/** Resolves who pays for a project right now. */
export async function resolveProjectBilling(options: {
  db: Queryable;
  project: ProjectRow;
}): Promise<ProjectBilling> {
  const { db, project } = options;
  const organization = await getOrganization({ db, id: project.organization_id });
  if (!organization) throw new Error(`organization ${project.organization_id} missing`);
  const billingAccountId = resolveBillingAccountId({
    project: { mode: project.billing_mode, billing_account_id: project.billing_account_id },
    primaryBillingAccountId: organization.primary_billing_account_id,
  });
  const account = await getBillingAccount({ db, id: billingAccountId });
  if (!account) throw new Error(`billing account ${billingAccountId} missing`);
  return {
    mode: project.billing_mode,
    billing_account_id: billingAccountId,
    inherited: project.billing_mode === "inherit",
    account,
  };
}
