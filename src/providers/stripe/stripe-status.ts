import type Stripe from "stripe";
import type { BillingAccountRow, BillingAccountStatus } from "../../db/billing-accounts.js";
import type { CustomerPayment } from "./stripe-customers.js";

/**
 * The account's status as Stripe sees it: a subscription in dunning wins (`unpaid`, then
 * `past_due`), a deleted customer is `canceled`, an invoice default payment method makes it
 * `active`; otherwise set-up is still required, or Stripe has no opinion.
 */
export function accountStatusFrom(options: {
  account: BillingAccountRow;
  customer: CustomerPayment;
  subscriptions: Stripe.Subscription[];
}): BillingAccountStatus | undefined {
  const statuses = options.subscriptions.map((s) => s.status);
  if (statuses.includes("unpaid")) return "unpaid";
  if (statuses.includes("past_due")) return "past_due";
  if (options.customer.deleted) return "canceled";
  if (options.customer.hasDefault) return "active";
  return options.account.status === "setup_required" ? "setup_required" : undefined;
}
