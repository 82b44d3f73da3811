import { type BillingAccountRow, billingAccountsByIds } from "../db/billing-accounts.js";
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

/**
 * Resolves who pays for each project right now. The projects belong to one organization; the
 * accounts paying for them are read in one statement, whatever the organization holds.
 */
export async function resolveProjectsBilling(options: {
  db: Queryable;
  organizationId: string;
  projects: ProjectRow[];
}): Promise<ProjectBilling[]> {
  const { db, organizationId, projects } = options;
  if (projects.length === 0) return [];
  const organization = await getOrganization({ db, id: organizationId });
  if (!organization) throw new Error(`organization ${organizationId} missing`);
  const payers = projects.map((project) =>
    resolveBillingAccountId({
      project: { mode: project.billing_mode, billing_account_id: project.billing_account_id },
      primaryBillingAccountId: organization.primary_billing_account_id,
    }),
  );
  const accounts = new Map(
    (await billingAccountsByIds({ db, ids: [...new Set(payers)] })).map((a) => [a.id, a]),
  );
  return projects.map((project, i) => {
    const billingAccountId = payers[i] as string;
    const account = accounts.get(billingAccountId);
    if (!account) throw new Error(`billing account ${billingAccountId} missing`);
    return {
      mode: project.billing_mode,
      billing_account_id: billingAccountId,
      inherited: project.billing_mode === "inherit",
      account,
    };
  });
}
