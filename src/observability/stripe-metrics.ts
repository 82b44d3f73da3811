import type Stripe from "stripe";
import { recordStripeResponse } from "./metrics.js";

/**
 * Counts every answer the Stripe SDK receives (retries included, each one is a request):
 * requests by method and status, errors, 429s and latency. Call once per client, where it is
 * created (`src/providers/stripe/stripe-client.ts`). Returns a function that stops counting.
 */
export function instrumentStripeClient(stripe: Stripe): () => void {
  const onResponse = (event: Stripe.ResponseEvent) => {
    recordStripeResponse({ method: event.method, status: event.status, elapsedMs: event.elapsed });
  };
  stripe.on("response", onResponse);
  return () => stripe.off("response", onResponse);
}
