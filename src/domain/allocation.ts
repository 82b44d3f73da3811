import { AppError } from "./errors.js";
import { floorDiv, lcmBig, type Rational } from "./rational.js";

function internal(message: string): AppError {
  return new AppError({ code: "internal", message });
}

/**
 * Splits an integer `total` in proportion to integer weights (Hamilton's largest-remainder
 * method): each key gets the floor of its quota, and the units left over go one each to the
 * largest remainders, ties to the smallest key. The parts always sum to `total` exactly, which
 * is what lets breakdowns by project, resource or account add up to the invoice.
 */
export function splitByIntegerWeights(options: {
  total: number;
  weights: { key: string; weight: bigint }[];
}): Map<string, number> {
  const { total, weights } = options;
  if (!Number.isSafeInteger(total)) throw internal(`total must be a safe integer, got ${total}`);
  const result = new Map<string, number>();
  let sum = 0n;
  for (const { key, weight } of weights) {
    if (weight < 0n) throw internal(`negative weight for ${key}`);
    if (result.has(key)) throw internal(`duplicate allocation key ${key}`);
    result.set(key, 0);
    sum += weight;
  }
  if (sum === 0n) {
    if (total !== 0) throw internal(`cannot split ${total} over zero weight`);
    return result;
  }
  const t = BigInt(total);
  let handedOut = 0n;
  const remainders: { key: string; remainder: bigint }[] = [];
  for (const { key, weight } of weights) {
    const product = t * weight;
    const share = floorDiv(product, sum);
    handedOut += share;
    result.set(key, Number(share));
    remainders.push({ key, remainder: product - share * sum });
  }
  // Σ floor(quota) ≤ total < Σ floor(quota) + n, so at most one extra unit per key.
  const leftover = Number(t - handedOut);
  remainders.sort((a, b) =>
    a.remainder !== b.remainder ? (a.remainder > b.remainder ? -1 : 1) : a.key < b.key ? -1 : 1,
  );
  for (let i = 0; i < leftover; i++) {
    const key = (remainders[i] as { key: string }).key;
    result.set(key, (result.get(key) as number) + 1);
  }
  return result;
}

/** {@link splitByIntegerWeights} for exact rational weights (e.g. unrounded shares of a line). */
export function largestRemainder(options: {
  total: number;
  weights: { key: string; exact: Rational }[];
}): Map<string, number> {
  let common = 1n;
  for (const { exact } of options.weights) common = lcmBig(common, exact.den);
  return splitByIntegerWeights({
    total: options.total,
    weights: options.weights.map(({ key, exact }) => ({
      key,
      weight: exact.num * (common / exact.den),
    })),
  });
}
