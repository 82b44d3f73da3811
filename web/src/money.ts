/**
 * Display of money. Amounts arrive as integers in minor units; they are divided by
 * 10^(the currency's ISO 4217 exponent) for display only and never computed with here.
 * The exponent comes from the server's own table (`src/domain/money.ts`), never from the
 * browser's locale data, which disagrees with ISO for HUF, IDR, IQD, MGA and others.
 */
import { currencyExponent, isCurrency } from "../../src/domain/money.js";
import { decimalText, parseDecimal, rational } from "../../src/domain/rational.js";

/** The currency's ISO 4217 exponent, or null for a code the table does not know. */
export function fractionDigits(currency: string): number | null {
  const code = currency.toLowerCase();
  return isCurrency(code) ? currencyExponent(code) : null;
}

const formatters = new Map<string, Intl.NumberFormat>();

function formatter(currency: string, digits: number): Intl.NumberFormat {
  const code = currency.toUpperCase();
  let f = formatters.get(code);
  if (!f) {
    f = new Intl.NumberFormat("en-US", {
      style: "currency",
      currency: code,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
    formatters.set(code, f);
  }
  return f;
}

/** "$123.45", "HUF 123.45", "IQD 12.345", "¥500"; "—" for no amount or an unknown currency. */
export function formatMoney(minor: number | null | undefined, currency: string): string {
  if (typeof minor !== "number" || !Number.isSafeInteger(minor)) return "—";
  const digits = fractionDigits(currency);
  if (digits === null) return "—";
  // Intl gets the exact decimal as a string, so no float ever rounds an amount.
  return formatter(currency, digits).format(decimalString(minor, currency) as `${number}`);
}

/**
 * A unit price in minor units that may hold a fraction of one, given as exact decimal text (the
 * API's `unit_amount_decimal`): "0.002" USD → "$0.00002", "2" USD → "$0.02". Shown with the
 * currency's digits at least and as many more as the price has; "—" for what is not a decimal.
 */
export function formatUnitAmount(minorDecimal: string, currency: string): string {
  const digits = fractionDigits(currency);
  const minor = parseDecimal(minorDecimal);
  if (digits === null || minor === null) return "—";
  const major = decimalText(rational(minor.num, minor.den * 10n ** BigInt(digits)));
  const places = Math.max(digits, major.split(".")[1]?.length ?? 0);
  const f = new Intl.NumberFormat("en-US", {
    style: "currency",
    currency: currency.toUpperCase(),
    minimumFractionDigits: digits,
    maximumFractionDigits: places,
  });
  return f.format(major as `${number}`);
}

/** A non-negative decimal text with its thousands grouped, digit for digit: "12345.5" → "12,345.5". */
export function groupDecimal(text: string): string {
  const [whole = "", fraction] = text.split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

/** A plain decimal string for CSV: 12345 USD → "123.45", 500 JPY → "500", 1005 KWD → "1.005". */
export function decimalString(minor: number, currency: string): string {
  const digits = fractionDigits(currency);
  if (digits === null) throw new Error(`unknown currency "${currency}"`);
  const negative = minor < 0;
  const abs = String(Math.abs(Math.trunc(minor))).padStart(digits + 1, "0");
  const whole = digits === 0 ? abs : abs.slice(0, -digits);
  const frac = digits === 0 ? "" : `.${abs.slice(-digits)}`;
  return `${negative ? "-" : ""}${whole}${frac}`;
}

export function formatDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleDateString("en-US", {
    year: "numeric",
    month: "short",
    day: "numeric",
    timeZone: "UTC",
  });
}

export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toLocaleString("en-US", {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZone: "UTC",
  })} UTC`;
}

/** An exclusive period end shown as the last day it covers. */
export function formatPeriodEnd(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return formatDate(new Date(d.getTime() - 1).toISOString());
}
