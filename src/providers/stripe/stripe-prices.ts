import { createHash } from "node:crypto";
import Stripe from "stripe";
import type { Database } from "../../db/database.js";
import { findStripePriceId, storeStripePriceId } from "../../db/stripe-refs.js";
import type { Meter } from "../../domain/meter.js";
import { toStripeAmount } from "../../domain/money.js";
import { type Price, priceKey } from "../../domain/pricing.js";
import { decimalText, mulR, parseDecimal, rational } from "../../domain/rational.js";
import { idempotencyKey } from "./idempotency-key.js";
import type { RequestPacer } from "./request-pacer.js";
import { ensureStripeMeter, stripeFormulaOf, stripeMeterEventName } from "./stripe-meters.js";

/** Where a version of a catalog price lives in Stripe: its lookup key and definition hash. */
function stripePriceIdentity(options: { price: Price; version: number }) {
  const { price, version } = options;
  const hash = createHash("sha256").update(JSON.stringify(price)).digest("hex").slice(0, 16);
  const definitionHash = version === 1 ? hash : `v${version}_${hash}`;
  return {
    definitionHash,
    key: `${priceKey(price)}#${definitionHash}`,
    lookupKey: `ktrlplane_${price.resource_type}_${price.sku}_${definitionHash}`,
  };
}

/**
 * The event name of the Stripe meter a metered price version bills (its own: see
 * stripe-meters.ts). Derived, not stored: a pass knows where to send usage without a request.
 */
export function meteredEventNameFor(options: { price: Price; version: number }): string {
  return stripeMeterEventName(stripePriceIdentity(options).lookupKey);
}

/**
 * The Stripe price for one version of a catalog price. Stripe prices are immutable
 * (https://docs.stripe.com/products-prices/manage-prices), so each version is its own Stripe
 * price: `stripe_price_id` when the catalog names one (the catalog refuses one id for two
 * versions), otherwise one created once — found again by lookup key, created under a key derived
 * from its version and definition — and remembered. The old version's price keeps billing what
 * it billed. Version 1 keeps the key it had before prices had versions, so an existing Stripe
 * price is found again, not duplicated.
 * Amounts go out in Stripe's unit for the currency (`toStripeAmount`: ISK ×100, MGA ÷100, …).
 */
export async function stripePriceFor(options: {
  stripe: Stripe;
  db: Database;
  pacer: RequestPacer;
  price: Price;
  version: number;
  cache: Map<string, string>;
  /** The catalog meter of a metered price, and the meters already found. */
  meter?: Meter;
  meterCache?: Map<string, string>;
}): Promise<string> {
  const { stripe, db, pacer, price, version, cache } = options;
  if (price.stripe_price_id) return price.stripe_price_id;
  const { definitionHash, key, lookupKey } = stripePriceIdentity({ price, version });
  const cached =
    cache.get(key) ?? (await findStripePriceId({ db, priceKey: priceKey(price), definitionHash }));
  if (cached) {
    cache.set(key, cached);
    return cached;
  }
  const currency = price.currency;
  await pacer.wait();
  const existing = await stripe.prices.list({ lookup_keys: [lookupKey], limit: 1 });
  let priceId = existing.data[0]?.id;
  if (!priceId) {
    const params: Stripe.PriceCreateParams = {
      currency: price.currency,
      lookup_key: lookupKey,
      product_data: {
        name: `${price.resource_type} (${price.sku})`,
        metadata: { ktrlplane_price: priceKey(price) },
      },
      recurring: await recurringOf({ ...options, lookupKey }),
      metadata: { ktrlplane_price: priceKey(price), ktrlplane_price_version: String(version) },
      ...(price.billing_model === "metered"
        ? meteredAmounts(price)
        : price.billing_model === "tiered"
          ? {
              billing_scheme: "tiered",
              tiers_mode: price.tiers_mode ?? "graduated",
              tiers: (price.tiers ?? []).map((tier) => ({
                up_to: tier.up_to === null ? "inf" : tier.up_to,
                unit_amount: toStripeAmount({ amount: tier.unit_amount, currency }),
                ...(tier.flat_amount
                  ? { flat_amount: toStripeAmount({ amount: tier.flat_amount, currency }) }
                  : {}),
              })),
            }
          : { unit_amount: toStripeAmount({ amount: price.unit_amount ?? 0, currency }) }),
    };
    await pacer.wait();
    priceId = (
      await stripe.prices.create(params, {
        idempotencyKey: idempotencyKey({ scope: "price", params }),
      })
    ).id;
  }
  await storeStripePriceId({ db, priceKey: priceKey(price), definitionHash, priceId });
  cache.set(key, priceId);
  return priceId;
}

async function recurringOf(options: {
  stripe: Stripe;
  db: Database;
  pacer: RequestPacer;
  price: Price;
  version: number;
  cache: Map<string, string>;
  meter?: Meter;
  meterCache?: Map<string, string>;
  lookupKey: string;
}): Promise<Stripe.PriceCreateParams.Recurring> {
  const { price, meter } = options;
  if (price.billing_model !== "metered")
    return { interval: price.interval, usage_type: "licensed" };
  if (!meter) throw new Error(`${priceKey(price)} is metered but its meter is not in the catalog`);
  const meterId = await ensureStripeMeter({
    ...options,
    cache: options.meterCache ?? new Map(),
    eventName: stripeMeterEventName(options.lookupKey),
    displayName: `${meter.name} (${price.resource_type} ${price.sku} v${options.version})`,
    formula: stripeFormulaOf(meter.aggregation),
  });
  return { interval: price.interval, usage_type: "metered", meter: meterId };
}

/**
 * A metered price's amounts as Stripe bills the period's aggregate: per unit (`unit_amount`, or
 * `unit_amount_decimal` for fractions of a minor unit), tiered over the aggregate, or per package
 * (`transform_quantity` divides by the package size and rounds up,
 * https://docs.stripe.com/products-prices/pricing-models#package-pricing). The same currency rules
 * as every amount: the decimal is scaled by the factor `toStripeAmount` applies to whole amounts.
 */
function meteredAmounts(price: Price): Partial<Stripe.PriceCreateParams> {
  const currency = price.currency;
  const amount = (minor: number) => toStripeAmount({ amount: minor, currency });
  if (price.tiers) {
    return {
      billing_scheme: "tiered",
      tiers_mode: price.tiers_mode ?? "graduated",
      tiers: price.tiers.map((tier) => ({
        up_to: tier.up_to === null ? "inf" : tier.up_to,
        unit_amount: amount(tier.unit_amount),
        ...(tier.flat_amount ? { flat_amount: amount(tier.flat_amount) } : {}),
      })),
    };
  }
  const unit =
    price.unit_amount_decimal !== undefined
      ? {
          unit_amount_decimal: Stripe.Decimal.from(
            stripeDecimal(price.unit_amount_decimal, currency),
          ),
        }
      : { unit_amount: amount(price.unit_amount ?? 0) };
  return {
    billing_scheme: "per_unit",
    ...unit,
    ...(price.package_size !== undefined
      ? { transform_quantity: { divide_by: price.package_size, round: "up" as const } }
      : {}),
  };
}

/** A decimal amount of ISO minor units in Stripe's unit for the currency. */
function stripeDecimal(decimal: string, currency: string): string {
  const parsed = parseDecimal(decimal);
  if (!parsed) throw new Error(`unit_amount_decimal is not a decimal: ${decimal}`);
  const probe = 1_000_000;
  const factor = rational(toStripeAmount({ amount: probe, currency }), probe);
  return decimalText(mulR(parsed, factor));
}
