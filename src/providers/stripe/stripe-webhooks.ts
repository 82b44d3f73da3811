import type Stripe from "stripe";
import { AppError } from "../../domain/errors.js";
import type { WebhookTrigger } from "../billing-provider.js";
import { accountMetadataKey } from "./stripe-metadata.js";

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
    event = stripe.webhooks.constructEvent(rawBody, signature ?? "", webhookSecret);
  } catch {
    throw new AppError({
      code: "invalid_signature",
      message: "The Stripe-Signature header does not match this payload",
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
  };
}
