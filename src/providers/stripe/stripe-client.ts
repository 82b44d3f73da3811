import Stripe from "stripe";
import { instrumentStripeClient } from "../../observability/stripe-metrics.js";

/** Pinned: a Stripe account upgrade never changes what our requests mean. */
export const stripeApiVersion = "2026-10-28.endive" as const;

/** The official SDK; `apiBase` (STRIPE_API_BASE) points it at another server, e.g. an emulator. */
export function createStripeClient(options: { secretKey: string; apiBase?: string }): Stripe {
  const base = options.apiBase ? new URL(options.apiBase) : undefined;
  const stripe = new Stripe(options.secretKey, {
    apiVersion: stripeApiVersion,
    // The SDK retries network errors, 409s and 429/5xx that carry `stripe-should-retry`, reusing
    // the request's idempotency key.
    maxNetworkRetries: 3,
    timeout: 20_000,
    telemetry: false,
    ...(base
      ? {
          host: base.hostname,
          port: Number(base.port || (base.protocol === "https:" ? 443 : 80)),
          protocol: base.protocol === "https:" ? "https" : "http",
        }
      : {}),
  });
  // Requests, errors and 429s are counted for /metrics from the SDK's own response events.
  instrumentStripeClient(stripe);
  return stripe;
}
