import { AppError } from "./errors.js";
import { isAmount, isCurrency } from "./money.js";
import {
  addR,
  ceilR,
  compareR,
  decimalText,
  mulR,
  parseDecimal,
  type Rational,
  rational,
  subR,
} from "./rational.js";

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
  /** per_unit, and metered per unit or per package; null for free and tiered (and see below). */
  unit_amount: number | null;
  /**
   * Metered only, instead of unit_amount: a price per unit (or package) in minor units that may
   * hold a fraction of one, as exact decimal text ("0.002" cents per request).
   */
  unit_amount_decimal?: string;
  /** tiered, and metered over tiers of the period's usage. */
  tiers_mode?: "graduated" | "volume";
  tiers?: PriceTier[];
  /**
   * Metered: the meter whose period aggregate is the quantity billed (see `meteredAmount`), and
   * its `decimals` as the catalog stated them for this version (absent: 0, or a version recorded
   * before definitions carried them), so that a changed scale is a new version
   * (`recordMeterScale` in src/catalog/load-catalog.ts).
   */
  meter?: { event_name: string; decimals?: number };
  /** Metered per package: the unit price buys this many units, and a started package is whole. */
  package_size?: number;
  stripe_price_id?: string;
}

/**
 * The largest quantity of one price (all its versions together) that one billing account can
 * hold: creates and billing switches stop short of it (`QUANTITY_LIMIT`, 409 `quantity_limit`).
 * The catalog refuses any price whose month line at this quantity could pass
 * Number.MAX_SAFE_INTEGER (2^53), so no line of any account can leave the safe integer range and
 * make the account unreadable.
 */
export const MAX_QUANTITY = 1_000_000;

/**
 * A create counts the account's quantity in its own transaction, seeing only what others have
 * committed, so creates racing on one account may pass the limit by the number in flight at once,
 * which PostgreSQL's connections (max_connections) bound far below this headroom: creates stop at
 * MAX_QUANTITY − headroom.
 */
export const QUANTITY_HEADROOM = 10_000;

/** The quantity past which creates and billing switches are refused. */
export const QUANTITY_LIMIT = MAX_QUANTITY - QUANTITY_HEADROOM;

/**
 * The largest period aggregate of one metered line (one account, price version and month) that
 * the catalog guarantees to bill exactly: a metered price whose line at this quantity could pass
 * Number.MAX_SAFE_INTEGER is refused, like a licensed one at MAX_QUANTITY. 10^11 is 38,000 events
 * a second for a whole month on one account and meter; beyond it a line is still billed exactly
 * while its amount fits, and its read fails (500, naming the amount) only past 2^53.
 */
export const MAX_METERED_QUANTITY = 100_000_000_000;

/** How a metered price turns the period's aggregate into an amount. */
export type MeteredScheme = "per_unit" | "tiered" | "package";

export function meteredScheme(price: Price): MeteredScheme {
  if (price.tiers) return "tiered";
  return price.package_size === undefined ? "per_unit" : "package";
}

/** A metered price's unit (or package) price as an exact fraction of minor units; null when tiered. */
export function meteredUnitPrice(price: Price): Rational | null {
  if (price.unit_amount_decimal !== undefined) {
    const parsed = parseDecimal(price.unit_amount_decimal);
    if (!parsed) throw invalid("unit_amount_decimal", "unit_amount_decimal is not a decimal");
    return parsed;
  }
  return price.unit_amount === null ? null : rational(price.unit_amount);
}

/**
 * What a metered price charges for `quantity` (the period's aggregate of its meter on one line),
 * exactly: the caller rounds once per line. Tiers have Stripe's semantics over the aggregate
 * (graduated: each unit at its tier's price, a tier's flat fee once it is reached; volume: every
 * unit at the price of the tier the total falls in); a package is paid whole once started.
 */
export function meteredAmount(options: { price: Price; quantity: Rational }): Rational {
  const { price, quantity } = options;
  if (quantity.num < 0n) throw invalid("quantity", "usage cannot be negative");
  if (price.billing_model !== "metered") {
    throw invalid("billing_model", `${priceKey(price)} is not a metered price`);
  }
  // As for licensed prices, a tier's flat fee is owed only for some usage.
  if (quantity.num === 0n) return rational(0);
  const scheme = meteredScheme(price);
  if (scheme === "tiered") {
    const tiers = price.tiers ?? [];
    return price.tiers_mode === "volume" ? volumeOf(tiers, quantity) : graduatedOf(tiers, quantity);
  }
  const unit = meteredUnitPrice(price);
  if (!unit)
    throw invalid("unit_amount", "a metered price needs unit_amount or unit_amount_decimal");
  if (scheme === "per_unit") return mulR(unit, quantity);
  const size = rational(price.package_size as number);
  const packages = ceilR(rational(quantity.num, quantity.den * size.num));
  return mulR(unit, rational(packages));
}

function graduatedOf(tiers: PriceTier[], q: Rational): Rational {
  let total = rational(0);
  let below = rational(0);
  for (const tier of tiers) {
    if (compareR(q, below) <= 0) break;
    const upper = tier.up_to === null ? q : rational(tier.up_to);
    const top = compareR(q, upper) < 0 ? q : upper;
    total = addR(total, mulR(subR(top, below), rational(tier.unit_amount)));
    total = addR(total, rational(tier.flat_amount ?? 0));
    below = upper;
  }
  return total;
}

function volumeOf(tiers: PriceTier[], q: Rational): Rational {
  const tier = tiers.find((t) => t.up_to === null || compareR(q, rational(t.up_to)) <= 0);
  if (!tier) throw invalid("tiers", "tiers do not cover the quantity: the last up_to must be null");
  return addR(mulR(q, rational(tier.unit_amount)), rational(tier.flat_amount ?? 0));
}

/**
 * The most a metered line can reach while its aggregate is at most `quantity`: every scheme grows
 * with the aggregate except volume tiers, whose largest amounts are at the tops of their tiers.
 */
export function maxMeteredAmount(options: { price: Price; quantity: number }): bigint {
  const { price, quantity } = options;
  const candidates = [quantity, ...(price.tiers ?? []).flatMap((t) => t.up_to ?? [])].filter(
    (q) => q <= quantity,
  );
  let most = 0n;
  for (const q of candidates) {
    const amount = ceilR(meteredAmount({ price, quantity: rational(q) }));
    if (amount > most) most = amount;
  }
  return most;
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

/**
 * The most a month line of this price can reach while the account holds at most `quantity`
 * resources of it: a line is a time-weighted average of periodAmount(q) over the month, so it is
 * bounded by the largest periodAmount(q) for 1 ≤ q ≤ quantity. Exact, in BigInt.
 */
export function maxPeriodAmount(options: { price: Price; quantity: number }): bigint {
  const { price } = options;
  const q = BigInt(options.quantity);
  if (q <= 0n) return 0n;
  switch (price.billing_model) {
    case "free":
    case "metered":
      return 0n;
    case "per_unit":
      return BigInt(price.unit_amount ?? 0) * q;
    case "tiered": {
      const tiers = price.tiers ?? [];
      if (price.tiers_mode !== "volume") {
        // Graduated: every unit and flat fee only adds, so the largest quantity costs the most.
        let total = 0n;
        let below = 0n;
        for (const tier of tiers) {
          if (q <= below) break;
          const upper = tier.up_to === null ? q : BigInt(tier.up_to);
          total += ((q < upper ? q : upper) - below) * BigInt(tier.unit_amount);
          total += BigInt(tier.flat_amount ?? 0);
          below = upper;
        }
        return total;
      }
      // Volume: within a tier the amount grows with the quantity; the tier's top (or `quantity`)
      // is its largest, and a later tier may be cheaper, so every reachable tier is looked at.
      let most = 0n;
      let below = 0n;
      for (const tier of tiers) {
        if (q <= below) break;
        const upper = tier.up_to === null ? q : BigInt(tier.up_to);
        const top = q < upper ? q : upper;
        const amount = top * BigInt(tier.unit_amount) + BigInt(tier.flat_amount ?? 0);
        if (amount > most) most = amount;
        below = upper;
      }
      return most;
    }
  }
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

/** The keys a price definition reads (`validatePrice`). */
const READ_KEYS: ReadonlySet<string> = new Set([
  "resource_type",
  "sku",
  "billing_model",
  "currency",
  "interval",
  "unit_amount",
  "tiers_mode",
  "tiers",
  "meter",
  "unit_amount_decimal",
  "package_size",
  "stripe_price_id",
]);

/** How a changed price reaches existing resources: read by the catalog loader, not part of the price. */
export const SCHEDULE_KEYS: readonly string[] = ["effective_from", "grandfathered"];

/**
 * Keys that are not read and do not change what is billed, named because the generic rule below
 * would otherwise refuse them: no tax is computed on ledger lines nor asked of Stripe.
 */
const HARMLESS_KEYS: ReadonlySet<string> = new Set(["tax_behavior"]);

/**
 * Words that make an unknown key one that would change an amount if it were honoured (checked on
 * the key's snake_case or camelCase words): such a key is refused rather than silently dropped.
 */
const PRICING_WORDS: ReadonlySet<string> = new Set([
  "amount",
  "amounts",
  "tier",
  "tiers",
  "interval",
  "intervals",
  "quantity",
  "quantities",
  "currency",
  "currencies",
  "recurring",
  "trial",
  "discount",
  "discounts",
  "coupon",
  "coupons",
  "tax",
  "proration",
  "prorate",
  "fee",
  "fees",
  "decimal",
  "scheme",
  "usage",
]);

function wordsOf(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

/** Levenshtein distance, for misspelt keys (`unit_ammount`). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * Refuses every field of a price entry that this system does not honour but that would change an
 * amount if it were (Stripe's Price fields mostly): dropping them would bill something else than
 * the catalog says — `interval_count: 3` billed monthly, 3× over.
 */
function refuseUnhonoured(input: Record<string, unknown>, model: BillingModel): void {
  for (const [key, value] of Object.entries(input)) {
    if (absent(value) || READ_KEYS.has(key) || SCHEDULE_KEYS.includes(key)) continue;
    if (HARMLESS_KEYS.has(key)) continue;
    switch (key) {
      case "interval_count":
        if (value === 1) continue;
        throw invalid(
          key,
          `interval_count ${JSON.stringify(value)} is not supported: every price is billed each calendar month (interval_count 1); state the monthly amount instead`,
        );
      case "transform_quantity":
        throw invalid(
          key,
          model === "metered"
            ? "transform_quantity is not applied: a metered price sold by packages states package_size (a started package is paid whole)"
            : "transform_quantity is not applied: quantities are billed as counted; fold the division into unit_amount or tiers",
        );
      case "flat_amount":
        throw invalid(
          key,
          model === "tiered"
            ? "flat_amount belongs on a tier (tiers.N.flat_amount); on the price itself it is not billed"
            : `a ${model} price has no flat_amount (it would not be billed); use a tiered price whose tier carries flat_amount`,
        );
      case "custom_unit_amount":
        throw invalid(key, "custom_unit_amount (an amount the customer chooses) is not supported");
      case "currency_options":
        throw invalid(key, "currency_options is not read: a catalog bills in its one currency");
      case "type":
        if (value === "recurring" || typeof value !== "string") continue;
        throw invalid(
          key,
          `type ${JSON.stringify(value)} is not supported: every price recurs monthly`,
        );
      case "billing_scheme": {
        const expected = model === "tiered" || !absent(input.tiers) ? "tiered" : "per_unit";
        if (value === expected) continue;
        throw invalid(
          key,
          `billing_scheme ${JSON.stringify(value)} contradicts billing_model ${model}; billing_model is what is billed`,
        );
      }
      case "usage_type": {
        const expected = model === "metered" ? "metered" : "licensed";
        if (value === expected) continue;
        throw invalid(
          key,
          `usage_type ${JSON.stringify(value)} contradicts billing_model ${model}; billing_model is what is billed`,
        );
      }
      case "recurring":
        refuseRecurring(value, model);
        continue;
      default: {
        const meant = [...READ_KEYS].find((read) => editDistance(read, key) <= 2);
        if (meant) {
          throw invalid(key, `${key} is not read: did you mean ${meant}?`);
        }
        if (wordsOf(key).some((w) => PRICING_WORDS.has(w))) {
          throw invalid(
            key,
            `${key} is not read, and would change what is billed if it were: remove it (the fields read are ${[...READ_KEYS].join(", ")})`,
          );
        }
      }
    }
  }
}

/** Stripe's `recurring` block: accepted only where it says what is billed anyway. */
function refuseRecurring(value: unknown, model: BillingModel): void {
  if (!isRecord(value)) throw invalid("recurring", "recurring must be an object");
  for (const [key, inner] of Object.entries(value)) {
    if (absent(inner)) continue;
    const field = `recurring.${key}`;
    if (key === "interval" && inner === "month") continue;
    if (key === "interval_count" && inner === 1) continue;
    if (key === "usage_type" && inner === (model === "metered" ? "metered" : "licensed")) continue;
    throw invalid(
      field,
      `${field} ${JSON.stringify(inner)} is not honoured: every price is billed each calendar month by the quantity the ledger counts`,
    );
  }
}

/** The 2^53 bound: see MAX_QUANTITY. */
function refuseUnsafeAmounts(price: Price): void {
  if (price.billing_model === "metered") {
    const most = maxMeteredAmount({ price, quantity: MAX_METERED_QUANTITY });
    if (most <= BigInt(Number.MAX_SAFE_INTEGER)) return;
    throw invalid(
      price.tiers
        ? "tiers"
        : price.unit_amount_decimal !== undefined
          ? "unit_amount_decimal"
          : "unit_amount",
      `at a usage of ${MAX_METERED_QUANTITY.toLocaleString("en-US")} (the most a metered line is guaranteed to bill exactly) a month would cost ${most} minor units, past the exact integer range (2^53 − 1): lower the amounts`,
    );
  }
  const most = maxPeriodAmount({ price, quantity: MAX_QUANTITY });
  if (most <= BigInt(Number.MAX_SAFE_INTEGER)) return;
  throw invalid(
    price.billing_model === "tiered" ? "tiers" : "unit_amount",
    `at ${MAX_QUANTITY.toLocaleString("en-US")} resources (the most one account may hold) a month would cost ${most} minor units, past the exact integer range (2^53 − 1): lower the amounts`,
  );
}

/** Stripe's limit on `unit_amount_decimal`: 12 decimal places. */
const MAX_DECIMAL_PLACES = 12;

function unitAmountDecimal(value: unknown): string {
  const text = typeof value === "string" ? value : "";
  const parsed = parseDecimal(text);
  if (!parsed || (text.split(".")[1] ?? "").length > MAX_DECIMAL_PLACES) {
    throw invalid(
      "unit_amount_decimal",
      `unit_amount_decimal must be a non-negative decimal string of minor units with at most ${MAX_DECIMAL_PLACES} decimal places, e.g. "0.002"`,
    );
  }
  return decimalText(parsed);
}

/** The amount fields of a metered price: tiers, or a unit price (per unit or per package). */
function validateMetered(input: Record<string, unknown>, price: Price): void {
  if (!isRecord(input.meter)) throw invalid("meter", "a metered price needs meter.event_name");
  price.meter = { event_name: nonEmptyString(input.meter.event_name, "meter.event_name") };
  if (!absent(input.tiers)) {
    for (const field of ["unit_amount", "unit_amount_decimal", "package_size"]) {
      if (!absent(input[field])) {
        throw invalid(
          field,
          `a metered price over tiers has no ${field}: the tiers say what units cost`,
        );
      }
    }
    if (input.tiers_mode !== "graduated" && input.tiers_mode !== "volume") {
      throw invalid("tiers_mode", 'tiers_mode must be "graduated" or "volume"');
    }
    price.tiers_mode = input.tiers_mode;
    price.tiers = validateTiers(input.tiers);
    return;
  }
  if (!absent(input.tiers_mode)) throw invalid("tiers_mode", "tiers_mode needs tiers");
  if (!absent(input.unit_amount_decimal)) {
    if (!absent(input.unit_amount)) {
      throw invalid(
        "unit_amount_decimal",
        "state unit_amount or unit_amount_decimal, not both (they could disagree)",
      );
    }
    price.unit_amount_decimal = unitAmountDecimal(input.unit_amount_decimal);
  } else {
    price.unit_amount = nonNegativeAmount(input.unit_amount, "unit_amount");
  }
  if (!absent(input.package_size)) {
    if (!isAmount(input.package_size) || input.package_size < 1) {
      throw invalid("package_size", "package_size must be a positive integer of units");
    }
    price.package_size = input.package_size;
  }
}

function validateTiers(value: unknown): PriceTier[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw invalid("tiers", "a tiered price needs a non-empty tiers list");
  }
  let previous = 0;
  return value.map((raw: unknown, i): PriceTier => {
    const at = `tiers.${i}`;
    if (!isRecord(raw)) throw invalid(at, `${at} must be an object`);
    for (const key of Object.keys(raw)) {
      if (key === "up_to" || key === "unit_amount" || key === "flat_amount") continue;
      if (absent(raw[key])) continue;
      throw invalid(
        `${at}.${key}`,
        `${at}.${key} is not read: a tier has up_to, unit_amount and flat_amount (integers in minor units)`,
      );
    }
    const last = i === value.length - 1;
    let up_to: number | null;
    if (last) {
      // Stripe writes the open bound as "inf".
      if (raw.up_to !== null && raw.up_to !== undefined && raw.up_to !== "inf") {
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
 * Parses a catalog entry. Unknown keys that cannot change an amount are dropped; any other field
 * this system does not honour is refused, naming it, as is a price whose month line at
 * MAX_QUANTITY could pass 2^53. A currency is accepted in any case and stored lowercase because
 * catalogs written by hand often say "USD".
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
  refuseUnhonoured(input, billing_model);

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

  if (billing_model !== "metered") {
    for (const field of ["unit_amount_decimal", "package_size"]) {
      if (!absent(input[field])) {
        throw invalid(
          field,
          `${field} is read only on metered prices; a ${billing_model} price is billed by whole resources in integer minor units (unit_amount)`,
        );
      }
    }
  }
  if (billing_model === "per_unit") {
    price.unit_amount = nonNegativeAmount(input.unit_amount, "unit_amount");
  } else if (billing_model !== "metered" && !absent(input.unit_amount)) {
    throw invalid("unit_amount", `a ${billing_model} price has no unit_amount (use null)`);
  }

  if (billing_model === "metered") {
    validateMetered(input, price);
  } else if (billing_model === "tiered") {
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

  if (billing_model !== "metered" && !absent(input.meter)) {
    throw invalid("meter", "only a metered price has a meter");
  }

  if (!absent(input.stripe_price_id)) {
    price.stripe_price_id = nonEmptyString(input.stripe_price_id, "stripe_price_id");
  }
  refuseUnsafeAmounts(price);
  return price;
}
