import type { Config } from "../config.js";
import type { Database } from "../db/database.js";
import type { BillingProvider } from "./billing-provider.js";
import { createLocalProvider } from "./local/local-provider.js";
import { createStripeClient } from "./stripe/stripe-client.js";
import { createStripeProvider } from "./stripe/stripe-provider.js";

/** Stripe when a secret key is configured, otherwise the local ledger. */
export function createProvider(options: { config: Config; db: Database }): BillingProvider {
  const { config, db } = options;
  if (!config.STRIPE_SECRET_KEY) return createLocalProvider();
  return createStripeProvider({
    stripe: createStripeClient({
      secretKey: config.STRIPE_SECRET_KEY,
      apiBase: config.STRIPE_API_BASE,
    }),
    db,
    webhookSecret: config.STRIPE_WEBHOOK_SECRET,
    requestsPerSecond: config.STRIPE_REQUESTS_PER_SECOND,
  });
}
