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
