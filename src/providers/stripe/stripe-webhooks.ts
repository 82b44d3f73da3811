import type Stripe from "stripe";
import { AppError } from "../../domain/errors.js";
import type { WebhookTrigger } from "../billing-provider.js";
import { accountMetadataKey } from "./stripe-metadata.js";

/** Stripe's default tolerance for the signature's timestamp (https://docs.stripe.com/webhooks#replay-attacks). */
const toleranceSeconds = 300;

/**
 * Webhooks are triggers, not data: the signature is checked with `stripe.webhooks.constructEvent`
 * (https://docs.stripe.com/webhooks#verify-events), and all that is kept of the event is its id,
 * type and which account it concerns — the pass re-reads Stripe.
 */
export function verifyStripeWebhook(options: {
  stripe: Stripe;
  webhookSecret: string | undefined;
  rawBody: string;
  signature: string | undefined;
}): WebhookTrigger {
  const { stripe, webhookSecret, rawBody, signature } = options;
  if (!webhookSecret) {
    throw new AppError({
      code: "not_found",
      message: "Webhooks are not configured (STRIPE_WEBHOOK_SECRET)",
    });
  }
  let event: Stripe.Event;
  try {
    event = stripe.webhooks.constructEvent(
      rawBody,
      signature ?? "",
      webhookSecret,
      toleranceSeconds,
    );
  } catch {
    throw new AppError({
      code: "invalid_signature",
      message: "The Stripe-Signature header does not match this payload",
    });
  }
  // constructEvent refuses a delivery older than its tolerance, but a timestamp in the future
  // has a negative age and passes: a captured delivery "signed" later would replay for as long
  // as its date says. Refuse what is dated beyond the same tolerance ahead of now.
  const signedAt = Number(/(?:^|,)t=(\d+)(?:,|$)/.exec(signature ?? "")?.[1]);
  if (!(signedAt * 1000 <= Date.now() + toleranceSeconds * 1000)) {
    throw new AppError({
      code: "invalid_signature",
      message: "The Stripe-Signature timestamp lies in the future",
    });
  }
  // Stripe's object ids never exceed 255 characters
  // (https://docs.stripe.com/upgrades#what-changes-does-stripe-consider-to-be-backwards-compatible);
  // anything longer is not Stripe's and would not fit the dedup index.
  if (typeof event.id !== "string" || event.id.length > 255) {
    throw new AppError({
      code: "bad_request",
      message: "The event id is longer than Stripe's ids (255 characters)",
      field: "id",
    });
  }
  const object = event.data.object as {
    id?: string;
    object?: string;
    customer?: unknown;
    metadata?: Record<string, string>;
  };
  const customerId =
    typeof object.customer === "string"
      ? object.customer
      : object.object === "customer"
        ? object.id
        : undefined;
  return {
    eventId: event.id,
    type: event.type,
    billingAccountId: object.metadata?.[accountMetadataKey],
    customerId,
    ...(object.object === "invoice" && typeof object.id === "string"
      ? { invoiceId: object.id }
      : {}),
  };
}
