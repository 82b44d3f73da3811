import { AppError } from "./errors.js";

/** An exact fraction; always reduced with a positive denominator so equal values compare equal. */
export interface Rational {
  num: bigint;
  den: bigint;
}

function toBigInt(value: bigint | number, name: string): bigint {
  if (typeof value === "bigint") return value;
  // A float here would silently reintroduce the rounding this module exists to avoid.
  if (!Number.isSafeInteger(value)) {
    throw new AppError({
      code: "internal",
      message: `rational ${name} must be a safe integer, got ${value}`,
    });
  }
  return BigInt(value);
}

export function absBig(x: bigint): bigint {
  return x < 0n ? -x : x;
}

export function gcdBig(a: bigint, b: bigint): bigint {
  let x = absBig(a);
  let y = absBig(b);
  while (y !== 0n) {
    const t = x % y;
    x = y;
    y = t;
  }
  return x;
}

export function lcmBig(a: bigint, b: bigint): bigint {
  if (a === 0n || b === 0n) return 0n;
  return absBig((a / gcdBig(a, b)) * b);
}

export function rational(num: bigint | number, den: bigint | number = 1n): Rational {
  let n = toBigInt(num, "numerator");
  let d = toBigInt(den, "denominator");
  if (d === 0n) {
    throw new AppError({ code: "internal", message: "rational with a zero denominator" });
  }
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const g = gcdBig(n, d);
  return g > 1n ? { num: n / g, den: d / g } : { num: n, den: d };
}

export function addR(a: Rational, b: Rational): Rational {
  if (a.den === b.den) return rational(a.num + b.num, a.den);
  return rational(a.num * b.den + b.num * a.den, a.den * b.den);
}

export function subR(a: Rational, b: Rational): Rational {
  return addR(a, { num: -b.num, den: b.den });
}

export function mulR(a: Rational, b: Rational): Rational {
  return rational(a.num * b.num, a.den * b.den);
}

export function divR(a: Rational, b: Rational): Rational {
  if (b.num === 0n) {
    throw new AppError({ code: "internal", message: "rational division by zero" });
  }
  return rational(a.num * b.den, a.den * b.num);
}

/** -1, 0 or 1. */
export function compareR(a: Rational, b: Rational): number {
  const left = a.num * b.den;
  const right = b.num * a.den;
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Floor division for BigInt (the built-in `/` truncates toward zero). */
export function floorDiv(num: bigint, den: bigint): bigint {
  const q = num / den;
  return num % den !== 0n && num < 0n !== den < 0n ? q - 1n : q;
}

function toSafeNumber(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new AppError({
      code: "internal",
      message: `amount ${value} exceeds the safe integer range`,
    });
  }
  return Number(value);
}

export function floorR(r: Rational): number {
  return toSafeNumber(floorDiv(r.num, r.den));
}

/**
 * Nearest integer, halves away from zero (2.5 → 3, -2.5 → -3): the rule people expect on an
 * invoice, and symmetric so a credit rounds like the charge it reverses.
 */
export function roundHalfUp(r: Rational): number {
  const n = absBig(r.num);
  const rounded = (2n * n + r.den) / (2n * r.den);
  return toSafeNumber(r.num < 0n ? -rounded : rounded);
}

/**
 * A plain non-negative decimal ("0.002", "12", "1.50") as an exact fraction; null for anything
 * else (signs, exponents, spaces): a decimal never passes through a float.
 */
export function parseDecimal(text: string): Rational | null {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return null;
  const fraction = match[2] ?? "";
  return rational(BigInt((match[1] ?? "") + fraction), 10n ** BigInt(fraction.length));
}

/** An exact fraction whose denominator divides a power of ten as plain decimal text ("1.5"). */
export function decimalText(r: Rational): string {
  let places = 0;
  let scale = 1n;
  while (scale % r.den !== 0n) {
    places++;
    scale *= 10n;
    if (places > 40) {
      throw new AppError({ code: "internal", message: `${r.num}/${r.den} is not a decimal` });
    }
  }
  const digits = absBig(r.num * (scale / r.den))
    .toString()
    .padStart(places + 1, "0");
  const whole = digits.slice(0, digits.length - places);
  const fraction = digits.slice(digits.length - places);
  return `${r.num < 0n ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}

/** The smallest integer ≥ r. */
export function ceilR(r: Rational): bigint {
  return -floorDiv(-r.num, r.den);
}
