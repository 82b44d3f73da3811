import { createHash } from "node:crypto";
import type Stripe from "stripe";
import type { Database } from "../../db/database.js";
import { findStripeMeterId, storeStripeMeterId } from "../../db/stripe-meter-events.js";
import type { Aggregation } from "../../domain/meter.js";
import { idempotencyKey } from "./idempotency-key.js";
import type { RequestPacer } from "./request-pacer.js";

/**
 * Stripe Billing Meters (https://docs.stripe.com/billing/subscriptions/usage-based/meters/configure).
 *
 * ONE METER PER STRIPE PRICE, not one per catalog meter. Stripe aggregates a meter's events per
 * customer over the billing period and every metered price that references the meter bills that
 * whole aggregate (https://docs.stripe.com/billing/subscriptions/usage-based/how-it-works). Two
 * metered prices on one meter — two SKUs of one catalog meter, or two versions of one price live
 * in the same month — would each bill the customer's total: usage billed twice. So the meter's
 * `event_name` is the Stripe price's own lookup key (catalog price, version and definition), each
 * price has its own meter, and the reconciler sends each ledger line's quantity (one account, price
 * version and month, exactly what the ledger bills) to that line's meter alone.
 *
 * Formulas: `sum` and `count` catalog meters are sent as increments of the line's running total
 * through a `sum` meter (Stripe's `count` formula counts events, which would cost one request per
 * ledger event); `max`, `unique_count` and `latest` — aggregations Stripe lacks or that must be
 * computed over the ledger's own ordering — are computed here and sent as the line's current
 * value through a `last` meter.
 */
export type StripeMeterFormula = "sum" | "last";

export function stripeFormulaOf(aggregation: Aggregation): StripeMeterFormula {
  return aggregation === "sum" || aggregation === "count" ? "sum" : "last";
}

/** Stripe allows at most 100 characters in an event name. */
export function stripeMeterEventName(lookupKey: string): string {
  if (lookupKey.length <= 100) return lookupKey;
  return `ktrlplane_${createHash("sha256").update(lookupKey).digest("hex").slice(0, 40)}`;
}

/**
 * The id of the active meter for `eventName`: remembered, else found among the account's meters
 * (an event name belongs to one active meter), else created under a key derived from its
 * definition — and remembered.
 */
export async function ensureStripeMeter(options: {
  stripe: Stripe;
  db: Database;
  pacer: RequestPacer;
  eventName: string;
  displayName: string;
  formula: StripeMeterFormula;
  cache: Map<string, string>;
}): Promise<string> {
  const { stripe, db, pacer, eventName, cache } = options;
  const cached = cache.get(eventName) ?? (await findStripeMeterId({ db, eventName }));
  if (cached) {
    cache.set(eventName, cached);
    return cached;
  }
  let meterId: string | undefined;
  await pacer.wait();
  for await (const meter of stripe.billing.meters.list({ status: "active", limit: 100 })) {
    if (meter.event_name === eventName) {
      meterId = meter.id;
      break;
    }
  }
  if (!meterId) {
    const params: Stripe.Billing.MeterCreateParams = {
      display_name: options.displayName.slice(0, 250),
      event_name: eventName,
      default_aggregation: { formula: options.formula },
      customer_mapping: { type: "by_id", event_payload_key: "stripe_customer_id" },
      value_settings: { event_payload_key: "value" },
    };
    await pacer.wait();
    meterId = (
      await stripe.billing.meters.create(params, {
        idempotencyKey: idempotencyKey({ scope: "meter", params }),
      })
    ).id;
  }
  await storeStripeMeterId({ db, eventName, meterId });
  cache.set(eventName, meterId);
  return meterId;
}
