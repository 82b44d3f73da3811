/**
 * Display of money. Amounts arrive as integers in minor units; they are divided by
 * 10^(currency's fraction digits) for display only and never computed with here.
 */
const formatters = new Map<string, Intl.NumberFormat>();

function formatter(currency: string): Intl.NumberFormat {
  const code = currency.toUpperCase();
  let f = formatters.get(code);
  if (!f) {
    f = new Intl.NumberFormat("en-US", { style: "currency", currency: code });
    formatters.set(code, f);
  }
  return f;
}

export function fractionDigits(currency: string): number {
  return formatter(currency).resolvedOptions().maximumFractionDigits ?? 2;
}

export function formatMoney(minor: number | null | undefined, currency: string): string {
  if (typeof minor !== "number" || !Number.isFinite(minor)) return "—";
  return formatter(currency).format(minor / 10 ** fractionDigits(currency));
}

/** A plain decimal string for CSV: 12345 USD → "123.45", 500 JPY → "500". */
export function decimalString(minor: number, currency: string): string {
  const digits = fractionDigits(currency);
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
