import type { BillingAccountRow } from "../db/billing-accounts.js";
import { AppError } from "../domain/errors.js";
import type { Price } from "../domain/pricing.js";
import { isPaid } from "./find-price.js";

/** Free resources are always allowed; paid ones need an account that can pay. */
export function checkAccountAccepts(options: { account: BillingAccountRow; price: Price }): void {
  const { account, price } = options;
  if (!isPaid(price) || account.status === "active") return;
  if (account.status === "setup_required") {
    throw new AppError({
      code: "billing_setup_required",
      message: `Billing account "${account.name}" needs a payment method before paid resources can be created`,
      details: { billing_account_id: account.id },
    });
  }
  throw new AppError({
    code: "billing_account_inactive",
    message: `Billing account "${account.name}" is ${account.status.replace("_", " ")}: paid resources cannot be created on it`,
    details: { billing_account_id: account.id },
  });
}
