import { AppError } from "./errors.js";

/**
 * Minor-unit exponents of the active ISO 4217 currencies (lowercase, as Stripe spells them).
 * Grouped by exponent so the non-2 exceptions are easy to audit against the ISO table.
 * Left out on purpose: funds-only and precious-metal codes whose exponent is "N.A." (xau, xdr,
 * xts, …), and codes ISO has withdrawn (ang → xcg, bgn → eur, hrk → eur, sll → sle,
 * zwl → zwg, cuc). Note that Stripe's own table differs from ISO for a few codes (e.g. mga and
 * isk are zero-decimal at Stripe); a provider adapter converts, the domain stays ISO.
 */
const TWO_DECIMAL_CODES = (
  "aed afn all amd aoa ars aud awg azn bam bbd bdt bmd bnd bob bov brl bsd btn bwp byn bzd " +
  "cad cdf che chf chw cny cop cou crc cup cve czk dkk dop dzd egp ern etb eur fjd fkp gbp " +
  "gel ghs gip gmd gtq gyd hkd hnl htg huf idr ils inr irr jmd kes kgs khr kpw kyd kzt lak " +
  "lbp lkr lrd lsl mad mdl mga mkd mmk mnt mop mru mur mvr mwk mxn mxv myr mzn nad ngn nio " +
  "nok npr nzd pab pen pgk php pkr pln qar ron rsd rub sar sbd scr sdg sek sgd shp sle sos " +
  "srd ssp stn svc syp szl thb tjs tmt top try ttd twd tzs uah usd usn uyu uzs ved ves wst " +
  "xcd xcg yer zar zmw zwg"
).split(" ");

const ZERO_DECIMAL_CODES =
  "bif clp djf gnf isk jpy kmf krw pyg rwf ugx uyi vnd vuv xaf xof xpf".split(" ");

const THREE_DECIMAL_CODES = "bhd iqd jod kwd lyd omr tnd".split(" ");

const FOUR_DECIMAL_CODES = "clf uyw".split(" ");

const EXPONENTS: ReadonlyMap<string, number> = new Map<string, number>([
  ...TWO_DECIMAL_CODES.map((c) => [c, 2] as const),
  ...ZERO_DECIMAL_CODES.map((c) => [c, 0] as const),
  ...THREE_DECIMAL_CODES.map((c) => [c, 3] as const),
  ...FOUR_DECIMAL_CODES.map((c) => [c, 4] as const),
]);

export interface Money {
  /** Integer minor units (cents for usd, yen for jpy, fils for kwd). */
  amount: number;
  /** Lowercase ISO 4217 code. */
  currency: string;
}

/** Case-sensitive on purpose: the stored form is lowercase, and "USD" reaching here is a bug upstream. */
export function isCurrency(code: string): boolean {
  return EXPONENTS.has(code);
}

export function currencyExponent(currency: string): number {
  const exponent = EXPONENTS.get(currency);
  if (exponent === undefined) {
    throw new AppError({
      code: "validation_failed",
      message: `unknown currency "${currency}"`,
      field: "currency",
    });
  }
  return exponent;
}

export function isAmount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value);
}

/** "12.34 USD", "1,000 JPY", "-0.005 KWD". BigInt keeps the split exact even near 2^53. */
export function formatMoney(m: Money): string {
  if (!isAmount(m.amount)) {
    throw new AppError({
      code: "validation_failed",
      message: `amount must be a safe integer of minor units, got ${m.amount}`,
      field: "amount",
    });
  }
  const exponent = currencyExponent(m.currency);
  const negative = m.amount < 0;
  const abs = BigInt(Math.abs(m.amount));
  const scale = 10n ** BigInt(exponent);
  const whole = (abs / scale).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const fraction = exponent === 0 ? "" : `.${(abs % scale).toString().padStart(exponent, "0")}`;
  return `${negative ? "-" : ""}${whole}${fraction} ${m.currency.toUpperCase()}`;
}

/*
 * Stripe's unit for amounts, next to the ISO table above so that both live in one place.
 * Stripe's rules (https://docs.stripe.com/currencies):
 * - Zero-decimal (#zero-decimal): amounts in the main unit ("¥100 is 100"). Stripe counts mga as
 *   zero-decimal although ISO gives it 2 — the one code in this list where the two disagree.
 * - Three-decimal (#three-decimal): bhd jod kwd omr tnd are sent with 3 decimals but "the last
 *   digit must be 0" — amounts must be a multiple of 10 (5.124 KWD cannot be charged).
 * - Special cases (#special-cases):
 *   · isk is zero-decimal at Stripe, but for backwards compatibility amounts are sent as
 *     two-decimal with a zero decimal part: ISK 5 is 500 (always a multiple of 100).
 *   · huf and twd: charges take two-decimal amounts; Stripe treats them as zero-decimal for
 *     payouts, which must be integer amounts divisible by 100. Charges convert 1:1.
 *   · ugx: zero-decimal at Stripe (as in ISO), and likewise payouts in amounts divisible by 100.
 * Iqd and lyd (3 decimals in ISO) are not Stripe presentment currencies; they convert 1:1 if ever
 * used, and Stripe would refuse the currency itself.
 */
interface StripeCurrencyRule {
  /** Decimals of the integer Stripe expects for this currency. */
  exponent: number;
  /** The Stripe amount must be a multiple of this (three-decimal: 10; isk: 100). */
  multipleOf: number;
}

const STRIPE_ZERO_DECIMAL = "bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split(
  " ",
);
const STRIPE_THREE_DECIMAL = "bhd jod kwd omr tnd".split(" ");

const STRIPE_RULES: ReadonlyMap<string, StripeCurrencyRule> = new Map<string, StripeCurrencyRule>([
  ...STRIPE_ZERO_DECIMAL.map((c) => [c, { exponent: 0, multipleOf: 1 }] as const),
  ...STRIPE_THREE_DECIMAL.map((c) => [c, { exponent: 3, multipleOf: 10 }] as const),
  ["isk", { exponent: 2, multipleOf: 100 }],
]);

function stripeRule(currency: string): StripeCurrencyRule {
  return STRIPE_RULES.get(currency) ?? { exponent: currencyExponent(currency), multipleOf: 1 };
}

/**
 * An amount in ISO minor units as the integer Stripe expects (`unit_amount`, `flat_amount`, …).
 * Exact or refused: an amount Stripe cannot represent (MGA 123.45, KWD 1.235) throws instead of
 * being rounded, so that Stripe never bills other than the ledger.
 */
export function toStripeAmount(m: Money): number {
  if (!isAmount(m.amount)) {
    throw new AppError({
      code: "validation_failed",
      message: `amount must be a safe integer of minor units, got ${m.amount}`,
      field: "amount",
    });
  }
  const iso = currencyExponent(m.currency);
  const rule = stripeRule(m.currency);
  let converted: number;
  if (rule.exponent >= iso) {
    converted = m.amount * 10 ** (rule.exponent - iso);
  } else {
    const divisor = 10 ** (iso - rule.exponent);
    if (m.amount % divisor !== 0) throw unrepresentable(m, rule);
    converted = m.amount / divisor;
  }
  if (converted % rule.multipleOf !== 0 || !Number.isSafeInteger(converted))
    throw unrepresentable(m, rule);
  return converted;
}

/** The inverse of `toStripeAmount`: an amount Stripe reports, in ISO minor units. */
export function fromStripeAmount(options: { amount: number; currency: string }): number {
  const iso = currencyExponent(options.currency);
  const rule = stripeRule(options.currency);
  return rule.exponent >= iso
    ? Math.round(options.amount / 10 ** (rule.exponent - iso))
    : options.amount * 10 ** (iso - rule.exponent);
}

function unrepresentable(m: Money, rule: StripeCurrencyRule): AppError {
  const step =
    rule.exponent >= currencyExponent(m.currency)
      ? rule.multipleOf / 10 ** (rule.exponent - currencyExponent(m.currency))
      : 10 ** (currencyExponent(m.currency) - rule.exponent);
  return new AppError({
    code: "validation_failed",
    message:
      `${formatMoney(m)} cannot be charged exactly through Stripe: ${m.currency.toUpperCase()} ` +
      `amounts must be a multiple of ${Math.max(step, 1)} minor units there ` +
      "(https://docs.stripe.com/currencies); change the catalog price",
    field: "unit_amount",
  });
}
