import type Stripe from "stripe";
import type { Database } from "../../db/database.js";
import { priceKey } from "../../domain/pricing.js";
import type { BillingProvider } from "../billing-provider.js";
import { RequestPacer } from "./request-pacer.js";
import { type PriceRefCache, readStripeInvoice, readStripeInvoices } from "./stripe-invoices.js";
import { stripePeriodCharges } from "./stripe-period-charges.js";
import { openCustomerPortal } from "./stripe-portal.js";
import type { MeteredTarget } from "./stripe-prices.js";
import { startCheckoutSetup } from "./stripe-setup.js";
import { syncStripeAccount } from "./stripe-sync-account.js";
import { verifyStripeWebhook } from "./stripe-webhooks.js";

/**
 * The Stripe adapter of the billing provider port: each billing account mirrored into one Stripe
 * customer and its subscriptions. The work lives in one file per Stripe object (customers, prices,
 * subscriptions, status, set-up, webhooks); this file only wires them.
 */
export function createStripeProvider(options: {
  stripe: Stripe;
  db: Database;
  webhookSecret?: string;
  /** Our own request budget per second, under Stripe's limit. */
  requestsPerSecond?: number;
  /** Writes per account per hour, under Stripe's 200 quantity updates per subscription. */
  writesPerHour?: number;
  /** Stripe's notion of now (subscription anchors); the wall clock unless a test says otherwise. */
  clock?: () => Date;
}): BillingProvider {
  const { stripe, db } = options;
  const pacer = new RequestPacer(options.requestsPerSecond ?? 20);
  const priceCache = new Map<string, string>();
  // Meter event name → meter id.
  const meterCache = new Map<string, string>();
  // A metered price version → its Stripe meter's event name and scale (see meteredTargetFor).
  const targetCache = new Map<string, MeteredTarget>();
  const clock = options.clock ?? (() => new Date());
  // Stripe price id → catalog price key, learnt from price metadata (prices never change).
  const priceKeys = new Map<string, string>();
  const priceRefs: PriceRefCache = new Map();
  return {
    name: "stripe",
    initialAccountStatus: "setup_required",
    writesPerHour: options.writesPerHour ?? 180,
    syncAccount: (pass) =>
      syncStripeAccount({
        stripe,
        db,
        pacer,
        priceCache,
        meterCache,
        targetCache,
        clock,
        ...pass,
      }),
    startSetup: ({ account, returnUrl }) =>
      startCheckoutSetup({ stripe, db, pacer, account, returnUrl }),
    periodCharges: ({ account, period, prices }) =>
      stripePeriodCharges({
        stripe,
        db,
        pacer,
        account,
        period,
        priceKeys,
        catalogPriceIds: new Map(
          [...prices].flatMap((p) => (p.stripe_price_id ? [[p.stripe_price_id, priceKey(p)]] : [])),
        ),
      }),
    openCustomerPortal: ({ account, returnUrl }) =>
      openCustomerPortal({ stripe, db, pacer, account, returnUrl }),
    readInvoice: ({ invoiceId, prices }) =>
      readStripeInvoice({ stripe, pacer, prices, cache: priceRefs, invoiceId }),
    readInvoices: ({ account, since, prices }) =>
      readStripeInvoices({ stripe, db, pacer, prices, cache: priceRefs, account, since }),
    verifyWebhook: ({ rawBody, signature }) =>
      verifyStripeWebhook({ stripe, webhookSecret: options.webhookSecret, rawBody, signature }),
  };
}
