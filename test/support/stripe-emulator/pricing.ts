import type { Price, PriceTier } from "./objects.js";

/**
 * The amount Stripe charges for `quantity` of a price over one full period, in minor units.
 *
 * - per_unit: quantity × unit_amount (or × unit_amount_decimal, rounded half-up once); with
 *   `transform_quantity` the quantity is first divided by `divide_by` and rounded up or down
 *   (package pricing, https://docs.stripe.com/products-prices/pricing-models#package-pricing).
 * - tiered graduated: each tier bills the units that fall in it, plus its flat_amount when at
 *   least one unit falls in it.
 * - tiered volume: all units at the rate of the tier the total falls in, plus its flat_amount.
 *
 * Simplification: quantity 0 costs 0 under every scheme (Stripe may bill a first tier's flat
 * amount at zero quantity).
 */
export function amountFor(price: Price, quantity: number): number {
  if (quantity <= 0) return 0;
  if (price.billing_scheme === "per_unit") {
    const transform = price.transform_quantity;
    const units =
      transform === null
        ? quantity
        : transform.round === "up"
          ? Math.ceil(quantity / transform.divide_by)
          : Math.floor(quantity / transform.divide_by);
    if (price.unit_amount !== null) return price.unit_amount * units;
    return multiplyDecimal(price.unit_amount_decimal ?? "0", units);
  }
  const tiers = price.tiers ?? [];
  if (price.tiers_mode === "volume") {
    const tier =
      tiers.find((t) => t.up_to === null || quantity <= t.up_to) ?? tiers[tiers.length - 1];
    if (tier === undefined) return 0;
    return tierUnits(tier, quantity) + (tier.flat_amount ?? 0);
  }
  let total = 0;
  let floor = 0;
  for (const tier of tiers) {
    const ceiling = tier.up_to ?? Number.POSITIVE_INFINITY;
    const units = Math.min(quantity, ceiling) - floor;
    if (units <= 0) break;
    total += tierUnits(tier, units) + (tier.flat_amount ?? 0);
    floor = ceiling;
  }
  return total;
}

function tierUnits(tier: PriceTier, units: number): number {
  if (tier.unit_amount !== null) return tier.unit_amount * units;
  if (tier.unit_amount_decimal !== null) return multiplyDecimal(tier.unit_amount_decimal, units);
  return 0;
}

/** quantity × a decimal string (≤ 12 places), rounded half-up, with exact integer arithmetic. */
export function multiplyDecimal(decimal: string, quantity: number): number {
  const [whole = "0", fraction = ""] = decimal.split(".");
  const scale = 10n ** BigInt(fraction.length);
  const scaled = BigInt(whole + fraction) * BigInt(quantity);
  return Number((scaled * 2n + scale) / (scale * 2n));
}

/** `amount × numerator / denominator`, rounded half-up (negative amounts away from zero). */
export function prorate(amount: number, numerator: number, denominator: number): number {
  if (denominator <= 0) return 0;
  const sign = amount < 0 ? -1n : 1n;
  const magnitude = BigInt(Math.abs(amount)) * BigInt(numerator);
  const d = BigInt(denominator);
  return Number(sign * ((magnitude * 2n + d) / (d * 2n)));
}
