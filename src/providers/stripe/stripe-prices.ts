import { createHash } from "node:crypto";
import Stripe from "stripe";
import type { Database } from "../../db/database.js";
import { findStripePrice, storeStripePriceId } from "../../db/stripe-refs.js";
import { AppError } from "../../domain/errors.js";
import type { Meter } from "../../domain/meter.js";
import { toStripeAmount } from "../../domain/money.js";
import { meteredUnitPrice, type Price, priceKey } from "../../domain/pricing.js";
import { decimalText, divR, mulR, type Rational, rational } from "../../domain/rational.js";
import { idempotencyKey } from "./idempotency-key.js";
import type { RequestPacer } from "./request-pacer.js";
import { valueDecimalsMetadataKey } from "./stripe-metadata.js";
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
    cache.get(key) ??
    (await findStripePrice({ db, priceKey: priceKey(price), definitionHash }))?.price_id;
  if (cached) {
    cache.set(key, cached);
    return cached;
  }
  const currency = price.currency;
  await pacer.wait();
  const existing = (await stripe.prices.list({ lookup_keys: [lookupKey], limit: 1 })).data[0];
  let priceId = existing?.id;
  // A price found again keeps the scale it was created with; a new one takes the meter's.
  const valueDecimals = existing
    ? valueDecimalsOf(existing.metadata)
    : price.billing_model === "metered"
      ? (options.meter?.decimals ?? 0)
      : 0;
  if (!priceId) {
    const params: Stripe.PriceCreateParams = {
      currency: price.currency,
      lookup_key: lookupKey,
      product_data: {
        name: `${price.resource_type} (${price.sku})`,
        metadata: { ktrlplane_price: priceKey(price) },
      },
      recurring: await recurringOf({ ...options, lookupKey }),
      metadata: {
        ktrlplane_price: priceKey(price),
        ktrlplane_price_version: String(version),
        // Only where it is not 0, so a whole-number meter's price is created as it always was.
        ...(valueDecimals > 0 ? { [valueDecimalsMetadataKey]: String(valueDecimals) } : {}),
      },
      ...(price.billing_model === "metered"
        ? meteredAmounts({ price, valueDecimals })
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
  await storeStripePriceId({
    db,
    priceKey: priceKey(price),
    definitionHash,
    priceId,
    valueDecimals,
  });
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

/** Where a metered price version's usage goes in Stripe, and at what scale. */
export interface MeteredTarget {
  eventName: string;
  /** Usage is sent as the aggregate × 10^valueDecimals, a whole number (see `meteredAmounts`). */
  valueDecimals: number;
}

/**
 * The meter event name and scale of a metered price version's Stripe price. The scale was fixed
 * when that price was created and is read back from where it was recorded — our table for a price
 * we created (undefined until it exists: no usage was sent to it), the price's metadata for a
 * catalog `stripe_price_id` (absent: 0) — never from the catalog's meter, whose `decimals` may
 * have changed since; and remembered: Stripe prices never change.
 */
export async function meteredTargetFor(options: {
  stripe: Stripe;
  db: Database;
  pacer: RequestPacer;
  price: Price;
  version: number;
  cache: Map<string, MeteredTarget>;
}): Promise<MeteredTarget | undefined> {
  const { stripe, db, pacer, price, version, cache } = options;
  const key = price.stripe_price_id
    ? `price:${price.stripe_price_id}`
    : stripePriceIdentity({ price, version }).key;
  const known = cache.get(key);
  if (known) return known;
  let target: MeteredTarget | undefined;
  if (price.stripe_price_id) {
    await pacer.wait();
    const stripePrice = await stripe.prices.retrieve(price.stripe_price_id);
    const meterId = stripePrice.recurring?.meter;
    if (!meterId) return undefined;
    await pacer.wait();
    const meter = await stripe.billing.meters.retrieve(meterId);
    target = {
      eventName: meter.event_name,
      valueDecimals: valueDecimalsOf(stripePrice.metadata),
    };
  } else {
    const { definitionHash, lookupKey } = stripePriceIdentity({ price, version });
    const stored = await findStripePrice({ db, priceKey: priceKey(price), definitionHash });
    if (!stored) return undefined;
    target = {
      eventName: stripeMeterEventName(lookupKey),
      valueDecimals: stored.value_decimals,
    };
  }
  cache.set(key, target);
  return target;
}

function valueDecimalsOf(metadata: Stripe.Metadata | null | undefined): number {
  const decimals = Number(metadata?.[valueDecimalsMetadataKey] ?? 0);
  return Number.isInteger(decimals) && decimals >= 0 ? decimals : 0;
}

/**
 * A metered price's amounts as Stripe bills the period's aggregate: per unit (`unit_amount`, or
 * `unit_amount_decimal` for fractions of a minor unit), tiered over the aggregate, or per package
 * (`transform_quantity` divides by the package size and rounds up,
 * https://docs.stripe.com/products-prices/pricing-models#package-pricing). The same currency rules
 * as every amount: the decimal is scaled by the factor `toStripeAmount` applies to whole amounts.
 *
 * Usage sent with `valueDecimals` places arrives as the aggregate × 10^valueDecimals (Stripe's
 * meter events take whole numbers), so each amount per unit is divided by that scale (Stripe takes
 * up to 12 decimal places in `unit_amount_decimal`, https://docs.stripe.com/api/prices/create), and
 * each quantity the price names is multiplied by it: a tier's `up_to`, a package's `divide_by`. A
 * package's amount and a tier's flat fee are not per unit: unchanged. The amount Stripe computes
 * is then the ledger's for the same aggregate. A price that would need more than 12 places fails
 * the pass, never rounded.
 */
function meteredAmounts(options: {
  price: Price;
  valueDecimals: number;
}): Partial<Stripe.PriceCreateParams> {
  const { price, valueDecimals } = options;
  const currency = price.currency;
  const scale = 10 ** valueDecimals;
  const amount = (minor: number) => toStripeAmount({ amount: minor, currency });
  const perScaledUnit = (unit: Rational) =>
    stripeDecimal({ minor: divR(unit, rational(scale)), currency, price });
  if (price.tiers) {
    return {
      billing_scheme: "tiered",
      tiers_mode: price.tiers_mode ?? "graduated",
      tiers: price.tiers.map((tier) => ({
        up_to: tier.up_to === null ? "inf" : tier.up_to * scale,
        ...(valueDecimals === 0
          ? { unit_amount: amount(tier.unit_amount) }
          : { unit_amount_decimal: perScaledUnit(rational(tier.unit_amount)) }),
        ...(tier.flat_amount ? { flat_amount: amount(tier.flat_amount) } : {}),
      })),
    };
  }
  const unit = meteredUnitPrice(price) ?? rational(0);
  if (price.package_size !== undefined) {
    return {
      billing_scheme: "per_unit",
      ...(price.unit_amount_decimal === undefined
        ? { unit_amount: amount(price.unit_amount ?? 0) }
        : { unit_amount_decimal: stripeDecimal({ minor: unit, currency, price }) }),
      transform_quantity: { divide_by: price.package_size * scale, round: "up" },
    };
  }
  return {
    billing_scheme: "per_unit",
    ...(valueDecimals === 0 && price.unit_amount_decimal === undefined
      ? { unit_amount: amount(price.unit_amount ?? 0) }
      : { unit_amount_decimal: perScaledUnit(unit) }),
  };
}

/**
 * Minor units per unit, exactly, as Stripe's `unit_amount_decimal` in its unit for the currency;
 * refused beyond Stripe's 12 decimal places.
 */
function stripeDecimal(options: {
  minor: Rational;
  currency: string;
  price: Price;
}): Stripe.Decimal {
  const { minor, currency, price } = options;
  const probe = 1_000_000;
  const factor = rational(toStripeAmount({ amount: probe, currency }), probe);
  const text = decimalText(mulR(minor, factor));
  if ((text.split(".")[1] ?? "").length > 12) {
    throw new AppError({
      code: "validation_failed",
      message: `${priceKey(price)}: ${text} minor units per unit (its meter's usage in units of 10^-decimals) has more than the 12 decimal places Stripe takes in unit_amount_decimal (https://docs.stripe.com/api/prices/create); change the catalog price or the meter's decimals`,
      field: "unit_amount_decimal",
    });
  }
  return Stripe.Decimal.from(text);
}
