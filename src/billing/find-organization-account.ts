import { type BillingAccountRow, getBillingAccount } from "../db/billing-accounts.js";
import type { Queryable } from "../db/database.js";
import { AppError } from "../domain/errors.js";

/** An account named in a request must belong to the same organization; others do not exist. */
export async function findOrganizationAccount(options: {
  db: Queryable;
  organizationId: string;
  billingAccountId: string;
  field: string;
}): Promise<BillingAccountRow> {
  const account = await getBillingAccount({ db: options.db, id: options.billingAccountId });
  if (!account || account.organization_id !== options.organizationId) {
    throw new AppError({
      code: "not_found",
      message: "Billing account not found",
      field: options.field,
    });
  }
  return account;
}
