import { calendarMonthOf, epochSeconds, type Period, periodSeconds } from "./billing-period.js";
import { type Aggregation, type Meter, type MeterSummary, summarizeMeter } from "./meter.js";
import { currencyExponent } from "./money.js";
import {
  type MeteredScheme,
  meteredScheme,
  meteredUnitPrice,
  type Price,
  type PriceTier,
  periodAmount,
} from "./pricing.js";
import { decimalText, type Rational, rational, roundHalfUp } from "./rational.js";

/**
 * What adding one more resource of `price` costs an account that already runs `currentQuantity`
 * of them. With tiers the marginal amount depends on the quantity (and with volume tiers it can
 * be negative: one more unit may drop every unit into a cheaper tier).
 */
export function previewCharge(options: { price: Price; currentQuantity: number; at: Date }): {
  monthly_amount: number;
  prorated_amount: number;
  period: Period;
} {
  const { price, currentQuantity, at } = options;
  const monthly_amount =
    periodAmount({ price, quantity: currentQuantity + 1 }) -
    periodAmount({ price, quantity: currentQuantity });
  const period = calendarMonthOf(at);
  const secondsLeft = epochSeconds(period.end) - epochSeconds(at);
  const prorated_amount = roundHalfUp(
    rational(BigInt(monthly_amount) * BigInt(secondsLeft), periodSeconds(period)),
  );
  return { monthly_amount, prorated_amount, period };
}

/** What a metered price charges for usage, to show before a resource is created. */
export interface UsagePrice {
  meter: MeterSummary;
  scheme: MeteredScheme;
  /** Per unit or per package, in minor units, as exact decimal text ("2", "0.002"); null when tiered. */
  unit_amount_decimal: string | null;
  package_size: number | null;
  tiers_mode: "graduated" | "volume" | null;
  tiers: PriceTier[] | null;
  /** One line for people: "0.02 USD per unit of Flow runs (sum), billed each month". */
  description: string;
}

/** A price in minor units (a fraction of one allowed) in major units: "0.00002 USD". */
export function formatUnitPrice(amount: Rational, currency: string): string {
  const exponent = currencyExponent(currency);
  const major = decimalText(rational(amount.num, amount.den * 10n ** BigInt(exponent)));
  const [whole, fraction = ""] = major.split(".");
  const digits = fraction.padEnd(exponent, "0");
  const grouped = (whole ?? "0").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${grouped}${digits ? `.${digits}` : ""} ${currency.toUpperCase()}`;
}

const AGGREGATION_WORDS: Record<Aggregation, string> = {
  sum: "the month's total",
  count: "events in the month",
  max: "the month's peak",
  latest: "the month's last value",
  unique_count: "distinct values in the month",
};

/** The usage price of a metered price: never "0 per month", which is not what it bills. */
export function usagePrice(options: { price: Price; meter: Meter }): UsagePrice {
  const { price, meter } = options;
  const summary = summarizeMeter(meter);
  const scheme = meteredScheme(price);
  const money = (r: Rational) => formatUnitPrice(r, price.currency);
  const unit = meteredUnitPrice(price);
  const of = `${meter.name} (${AGGREGATION_WORDS[meter.aggregation]})`;
  let description: string;
  if (scheme === "tiered") {
    const tiers = price.tiers ?? [];
    let below = 0;
    const parts = tiers.map((tier) => {
      const range =
        tier.up_to === null
          ? `above ${below.toLocaleString("en-US")}`
          : `up to ${tier.up_to.toLocaleString("en-US")}`;
      const flat = tier.flat_amount ? ` + ${money(rational(tier.flat_amount))}` : "";
      below = tier.up_to ?? below;
      return `${range}: ${money(rational(tier.unit_amount))} each${flat}`;
    });
    const mode =
      price.tiers_mode === "volume"
        ? "volume tiers (every unit at the price of the tier the total reaches)"
        : "graduated tiers (each unit at its tier's price)";
    description = `${of}, ${mode}: ${parts.join("; ")}`;
  } else if (scheme === "package") {
    const size = price.package_size as number;
    // "per 1,000 runs of Flow runs" when the catalog names the unit, else "per 1,000 of …".
    const units =
      summary.unit_name === null
        ? ""
        : ` ${size === 1 ? summary.unit_name : summary.unit_name_plural}`;
    description = `${money(unit as Rational)} per ${size.toLocaleString("en-US")}${units} of ${of}; a started package counts whole`;
  } else {
    description = `${money(unit as Rational)} per ${summary.unit_name ?? "unit"} of ${of}`;
  }
  return {
    meter: summary,
    scheme,
    unit_amount_decimal: unit ? decimalText(unit) : null,
    package_size: price.package_size ?? null,
    tiers_mode: price.tiers_mode ?? null,
    tiers: price.tiers ?? null,
    description: `${description}, billed each month`,
  };
}
