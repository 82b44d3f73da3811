import type Stripe from "stripe";
import type { BillingAccountRow } from "../../db/billing-accounts.js";
import type { Database } from "../../db/database.js";
import { AppError } from "../../domain/errors.js";
import { idempotencyKey } from "./idempotency-key.js";
import type { RequestPacer } from "./request-pacer.js";
import { ensureCustomer } from "./stripe-customers.js";
import { accountMetadataKey } from "./stripe-metadata.js";

/** Opens a Stripe Checkout Session in setup mode for the account's one customer. */
export async function startCheckoutSetup(options: {
  stripe: Stripe;
  db: Database;
  pacer: RequestPacer;
  account: BillingAccountRow;
  returnUrl: string;
}): Promise<{ url: string; session_id: string }> {
  const { stripe, pacer, account, returnUrl } = options;
  const customerId = await ensureCustomer(options);
  await pacer.wait();
  const session = await stripe.checkout.sessions.create({
    mode: "setup",
    customer: customerId,
    currency: account.currency,
    success_url: `${returnUrl}?session_id={CHECKOUT_SESSION_ID}`,
    cancel_url: returnUrl,
    metadata: { [accountMetadataKey]: account.id },
  });
  if (!session.url)
    throw new AppError({
      code: "provider_unavailable",
      message: "Stripe returned no set-up URL",
    });
  return { url: session.url, session_id: session.id };
}

/**
 * The payment method a finished set-up left on the customer, when the customer has no invoice
 * default yet: the newest succeeded SetupIntent's, else the newest attached payment method.
 *
 * Stripe attaches the card a setup-mode Checkout collected but does not make it the customer's
 * `invoice_settings.default_payment_method`; the integration has to
 * (https://docs.stripe.com/payments/save-and-reuse,
 * https://docs.stripe.com/payments/checkout/subscriptions/update-payment-details). Subscriptions
 * charge only that default (or their own), never a merely attached card
 * (https://docs.stripe.com/api/subscriptions/object#subscription_object-default_payment_method).
 * `checkout.session.completed` only marks the account (webhooks are triggers): this runs in the
 * pass, so a lost webhook is repaired by the next pass the same way.
 */
export async function findSetupPaymentMethod(options: {
  stripe: Stripe;
  pacer: RequestPacer;
  customerId: string;
}): Promise<string | undefined> {
  const { stripe, pacer, customerId } = options;
  await pacer.wait();
  const intents = await stripe.setupIntents.list({ customer: customerId, limit: 10 });
  const succeeded = intents.data.find((i) => i.status === "succeeded" && i.payment_method);
  if (succeeded) return idOf(succeeded.payment_method);
  await pacer.wait();
  const attached = await stripe.customers.listPaymentMethods(customerId, { limit: 1 });
  return attached.data[0]?.id;
}

/** Makes `paymentMethodId` the customer's invoice default; the same change always has one key. */
export async function makeDefaultPaymentMethod(options: {
  stripe: Stripe;
  pacer: RequestPacer;
  accountId: string;
  customerId: string;
  paymentMethodId: string;
}): Promise<void> {
  const { stripe, pacer, accountId, customerId, paymentMethodId } = options;
  const params: Stripe.CustomerUpdateParams = {
    invoice_settings: { default_payment_method: paymentMethodId },
  };
  await pacer.wait();
  await stripe.customers.update(customerId, params, {
    idempotencyKey: idempotencyKey({
      scope: `${accountId}:default_payment_method`,
      params: { customer: customerId, ...params },
    }),
  });
}

function idOf(value: string | { id: string } | null): string | undefined {
  if (value === null) return undefined;
  return typeof value === "string" ? value : value.id;
}
