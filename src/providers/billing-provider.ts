import type { BillingAccountStatus } from "../db/billing-accounts.js";

/**
 * The port every payment backend implements. `local` keeps the ledger as the whole truth;
 * `stripe` mirrors each billing account into Stripe through the reconciler.
 */
export interface BillingProvider {
  readonly name: "local" | "stripe";
  /** The status a new billing account starts in: Stripe accounts need a payment method first. */
  readonly initialAccountStatus: BillingAccountStatus;
}
