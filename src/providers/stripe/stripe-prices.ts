import { createHash } from "node:crypto";
import type Stripe from "stripe";
import type { Database } from "../../db/database.js";
import { findStripePriceId, storeStripePriceId } from "../../db/stripe-refs.js";
import { toStripeAmount } from "../../domain/money.js";
import { type Price, priceKey } from "../../domain/pricing.js";
import { idempotencyKey } from "./idempotency-key.js";
import type { RequestPacer } from "./request-pacer.js";

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
}): Promise<string> {
  const { stripe, db, pacer, price, version, cache } = options;
  if (price.stripe_price_id) return price.stripe_price_id;
  const hash = createHash("sha256").update(JSON.stringify(price)).digest("hex").slice(0, 16);
  const definitionHash = version === 1 ? hash : `v${version}_${hash}`;
  const key = `${priceKey(price)}#${definitionHash}`;
  const cached =
    cache.get(key) ?? (await findStripePriceId({ db, priceKey: priceKey(price), definitionHash }));
  if (cached) {
    cache.set(key, cached);
    return cached;
  }
  const currency = price.currency;
  const lookupKey = `ktrlplane_${price.resource_type}_${price.sku}_${definitionHash}`;
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
      recurring: { interval: price.interval, usage_type: "licensed" },
      metadata: { ktrlplane_price: priceKey(price), ktrlplane_price_version: String(version) },
      ...(price.billing_model === "tiered"
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
