import Stripe from "stripe";

/**
 * Signs an event the way Stripe signs a webhook delivery, with the SDK's own test helper, so
 * the app's `stripe.webhooks.constructEvent(rawBody, header, secret)` accepts it.
 */
export function signedEvent(args: { secret: string; event: unknown; timestamp?: number }): {
  payload: string;
  header: string;
} {
  const payload = JSON.stringify(args.event, null, 2);
  const header = Stripe.webhooks.generateTestHeaderString({
    payload,
    secret: args.secret,
    ...(args.timestamp === undefined ? {} : { timestamp: args.timestamp }),
  });
  return { payload, header };
}
