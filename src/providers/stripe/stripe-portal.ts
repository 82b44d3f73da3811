import type Stripe from "stripe";
import type { BillingAccountRow } from "../../db/billing-accounts.js";
import type { Database } from "../../db/database.js";
import { findStripeCustomerId } from "../../db/stripe-refs.js";
import { AppError } from "../../domain/errors.js";
import type { RequestPacer } from "./request-pacer.js";

/**
 * A link to Stripe's hosted customer portal, where the customer changes the card and reads
 * Stripe's invoices (https://docs.stripe.com/api/customer_portal/sessions/create). The portal
 * needs an existing customer: an account never set up has none, and one is not made for this.
 */
export async function openCustomerPortal(options: {
  stripe: Stripe;
  db: Database;
  pacer: RequestPacer;
  account: BillingAccountRow;
  returnUrl: string;
}): Promise<{ url: string }> {
  const { stripe, db, pacer, account, returnUrl } = options;
  const customer = await findStripeCustomerId({ db, billingAccountId: account.id });
  if (!customer) {
    throw new AppError({
      code: "conflict",
      message: `Billing account "${account.name}" has no Stripe customer yet: set up payment first`,
    });
  }
  await pacer.wait();
  const session = await stripe.billingPortal.sessions.create({ customer, return_url: returnUrl });
  return { url: session.url };
}
