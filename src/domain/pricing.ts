import { AppError } from "./errors.js";
import { isAmount, isCurrency } from "./money.js";

export type BillingModel = "free" | "per_unit" | "tiered" | "metered";

export const billingModels: readonly BillingModel[] = ["free", "per_unit", "tiered", "metered"];

export interface PriceTier {
  /** Inclusive upper bound in units; null on the last tier, which has none. */
  up_to: number | null;
  unit_amount: number;
  flat_amount?: number;
}

export interface Price {
  resource_type: string;
  sku: string;
  billing_model: BillingModel;
  currency: string;
  interval: "month";
  /** per_unit and metered; null for free and tiered. */
  unit_amount: number | null;
  tiers_mode?: "graduated" | "volume";
  tiers?: PriceTier[];
  /** Metered prices are listed but cost 0 until usage is recorded against the meter. */
  meter?: { event_name: string };
  stripe_price_id?: string;
}

export function priceKey(p: { resource_type: string; sku: string }): string {
  return `${p.resource_type}/${p.sku}`;
}

function invalid(field: string, message: string): AppError {
  return new AppError({ code: "validation_failed", message, field });
}

function toSafe(value: bigint, field: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw invalid(field, `amount ${value} exceeds the safe integer range`);
  }
  return Number(value);
}

/**
 * What `quantity` resources of one price cost an account for a whole period, with Stripe's tier
 * semantics so that the local provider and Stripe invoice the same amount for the same ledger.
 */
export function periodAmount(options: { price: Price; quantity: number }): number {
  const { price, quantity } = options;
  if (!Number.isSafeInteger(quantity) || quantity < 0) {
    throw invalid("quantity", `quantity must be a non-negative integer, got ${quantity}`);
  }
  // Even a flat tier fee is owed only while something is running.
  if (quantity === 0) return 0;
  const q = BigInt(quantity);
  switch (price.billing_model) {
    case "free":
    case "metered":
      return 0;
    case "per_unit":
      if (price.unit_amount === null)
        throw invalid("unit_amount", "per_unit price without unit_amount");
      return toSafe(BigInt(price.unit_amount) * q, "quantity");
    case "tiered": {
      const tiers = price.tiers;
      if (!tiers || tiers.length === 0) throw invalid("tiers", "tiered price without tiers");
      return price.tiers_mode === "volume" ? volumeAmount(tiers, q) : graduatedAmount(tiers, q);
    }
  }
}

function graduatedAmount(tiers: PriceTier[], q: bigint): number {
  let total = 0n;
  let below = 0n;
  for (const tier of tiers) {
    if (q <= below) break;
    const upper = tier.up_to === null ? q : BigInt(tier.up_to);
    const units = (q < upper ? q : upper) - below;
    total += units * BigInt(tier.unit_amount) + BigInt(tier.flat_amount ?? 0);
    below = upper;
  }
  return toSafe(total, "quantity");
}

function volumeAmount(tiers: PriceTier[], q: bigint): number {
  const tier = tiers.find((t) => t.up_to === null || q <= BigInt(t.up_to));
  if (!tier) throw invalid("tiers", "tiers do not cover the quantity: the last up_to must be null");
  return toSafe(q * BigInt(tier.unit_amount) + BigInt(tier.flat_amount ?? 0), "quantity");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function nonEmptyString(value: unknown, field: string): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw invalid(field, `${field} must be a non-empty string`);
  }
  return value;
}

function nonNegativeAmount(value: unknown, field: string): number {
  if (!isAmount(value) || value < 0) {
    throw invalid(field, `${field} must be a non-negative integer amount in minor units`);
  }
  return value;
}

function absent(value: unknown): boolean {
  return value === undefined || value === null;
}

function validateTiers(value: unknown): PriceTier[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw invalid("tiers", "a tiered price needs a non-empty tiers list");
  }
  let previous = 0;
  return value.map((raw: unknown, i): PriceTier => {
    const at = `tiers.${i}`;
    if (!isRecord(raw)) throw invalid(at, `${at} must be an object`);
    const last = i === value.length - 1;
    let up_to: number | null;
    if (last) {
      if (raw.up_to !== null && raw.up_to !== undefined) {
        throw invalid(`${at}.up_to`, "the last tier must have up_to null (no upper bound)");
      }
      up_to = null;
    } else {
      if (!isAmount(raw.up_to) || raw.up_to <= previous) {
        throw invalid(
          `${at}.up_to`,
          `up_to must be an integer greater than the previous tier's (${previous}); only the last may be null`,
        );
      }
      up_to = raw.up_to;
      previous = raw.up_to;
    }
    const tier: PriceTier = {
      up_to,
      unit_amount: nonNegativeAmount(raw.unit_amount, `${at}.unit_amount`),
    };
    if (!absent(raw.flat_amount))
      tier.flat_amount = nonNegativeAmount(raw.flat_amount, `${at}.flat_amount`);
    return tier;
  });
}

/**
 * Parses a catalog entry. Unknown keys are dropped; a currency is accepted in any case and
 * stored lowercase because catalogs written by hand often say "USD".
 */
export function validatePrice(input: unknown): Price {
  if (!isRecord(input)) {
    throw new AppError({ code: "validation_failed", message: "a price must be an object" });
  }
  const resource_type = nonEmptyString(input.resource_type, "resource_type");
  const sku = nonEmptyString(input.sku, "sku");

  const model = input.billing_model;
  if (typeof model !== "string" || !billingModels.includes(model as BillingModel)) {
    throw invalid("billing_model", `billing_model must be one of ${billingModels.join(", ")}`);
  }
  const billing_model = model as BillingModel;

  const currency = typeof input.currency === "string" ? input.currency.toLowerCase() : "";
  if (!isCurrency(currency)) {
    throw invalid(
      "currency",
      `currency must be an active ISO 4217 code, got ${String(input.currency)}`,
    );
  }

  const interval = input.interval ?? "month";
  if (interval !== "month") throw invalid("interval", 'only interval "month" is supported');

  const price: Price = { resource_type, sku, billing_model, currency, interval, unit_amount: null };

  if (billing_model === "per_unit" || billing_model === "metered") {
    price.unit_amount = nonNegativeAmount(input.unit_amount, "unit_amount");
  } else if (!absent(input.unit_amount)) {
    throw invalid("unit_amount", `a ${billing_model} price has no unit_amount (use null)`);
  }

  if (billing_model === "tiered") {
    if (input.tiers_mode !== "graduated" && input.tiers_mode !== "volume") {
      throw invalid("tiers_mode", 'tiers_mode must be "graduated" or "volume"');
    }
    price.tiers_mode = input.tiers_mode;
    price.tiers = validateTiers(input.tiers);
  } else {
    if (!absent(input.tiers)) throw invalid("tiers", "only a tiered price has tiers");
    if (!absent(input.tiers_mode))
      throw invalid("tiers_mode", "only a tiered price has tiers_mode");
  }

  if (billing_model === "metered") {
    if (!isRecord(input.meter)) throw invalid("meter", "a metered price needs meter.event_name");
    price.meter = { event_name: nonEmptyString(input.meter.event_name, "meter.event_name") };
  } else if (!absent(input.meter)) {
    throw invalid("meter", "only a metered price has a meter");
  }

  if (!absent(input.stripe_price_id)) {
    price.stripe_price_id = nonEmptyString(input.stripe_price_id, "stripe_price_id");
  }
  return price;
}
