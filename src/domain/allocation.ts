import { AppError } from "./errors.js";
import { floorDiv, lcmBig, type Rational } from "./rational.js";

function internal(message: string): AppError {
  return new AppError({ code: "internal", message });
}

/**
 * A key's integer weight: a bigint, or a number when it is a safe integer (a cost query's seconds,
 * which need no BigInt object each).
 */
type Weight = { key: string; weight: bigint | number };
type ProjectWeight = Weight & { project_id: string };

/**
 * Each weight's floor of its quota total·w / Σw and its remainder total·w − floor·Σw, in
 * [0, Σw), for non-negative weights of positive sum.
 *
 * In Number arithmetic when |total| · max w + Σw ≤ 2⁵³ − 1 (Number.MAX_SAFE_INTEGER), as seconds
 * times minor units nearly always are: every weight, Σw and product a = total·w is then an exact
 * double, and so is q·Σw, which lies in (a − Σw, a]. A rounded quotient just below an integer can
 * in general round up onto it, but not here, so q = Math.floor(a / Σw) needs no correction: if
 * a / Σw = k − d/Σw with d ≥ 1, rounding moves it by at most half an ulp, under
 * k·2⁻⁵³ = (a + d) / (2⁵³·Σw) ≤ d/Σw as a < 2⁵³, so it stays below k (likewise above k for a
 * negative total). Otherwise BigInt, as exact and several times slower.
 */
function quotas(options: { total: number; weights: readonly Weight[] }): {
  floors: Float64Array;
  remainders: Float64Array | bigint[];
} {
  const { total, weights } = options;
  const n = weights.length;
  const values = new Float64Array(n);
  // Rounding is monotonic: if the exact sum or bound exceeds 2⁵³ − 1, the rounded one does too.
  let sum = 0;
  let max = 0;
  for (let i = 0; i < n; i++) {
    const value = Number((weights[i] as Weight).weight);
    values[i] = value;
    sum += value;
    if (value > max) max = value;
  }
  const floors = new Float64Array(n);
  if (Math.abs(total) * max + sum <= Number.MAX_SAFE_INTEGER) {
    const remainders = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      // + 0 turns the −0 of a negative total times a zero weight into the 0 BigInt would give.
      const product = total * (values[i] as number) + 0;
      const floor = Math.floor(product / sum);
      floors[i] = floor;
      remainders[i] = product - floor * sum;
    }
    return { floors, remainders };
  }
  const t = BigInt(total);
  let bigSum = 0n;
  for (const { weight } of weights) bigSum += BigInt(weight);
  const remainders = new Array<bigint>(n);
  for (let i = 0; i < n; i++) {
    const product = t * BigInt((weights[i] as Weight).weight);
    const floor = floorDiv(product, bigSum);
    floors[i] = Number(floor);
    remainders[i] = product - floor * bigSum;
  }
  return { floors, remainders };
}

/**
 * The k-th smallest of `values` (from 0), reordering them: Hoare's selection, linear on average
 * where a sort is not. Pivots at random, so that no order of the values makes it quadratic; the
 * value found does not depend on them.
 */
function select(options: { values: Float64Array; k: number }): number {
  const { values, k } = options;
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    const pivot = values[lo + Math.floor(Math.random() * (hi - lo + 1))] as number;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((values[i] as number) < pivot) i++;
      while ((values[j] as number) > pivot) j--;
      if (i <= j) {
        const swapped = values[i] as number;
        values[i] = values[j] as number;
        values[j] = swapped;
        i++;
        j--;
      }
    }
    // Now values[lo..j] ≤ pivot ≤ values[i..hi], and any value between them equals the pivot.
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return values[k] as number;
}

/**
 * Adds one unit to each of the `count` members with the largest remainders, ties to the smallest
 * key. Only the members tied on the count-th largest remainder need ranking by key, so that
 * remainder is all there is to find: selected among Numbers, sorted among BigInts.
 */
function addToLargestRemainders(options: {
  members: number[];
  count: number;
  remainders: Float64Array | bigint[];
  weights: readonly Weight[];
  parts: Float64Array;
}): void {
  const { members, count, remainders, weights, parts } = options;
  if (count === 0) return;
  const m = members.length;
  let threshold: number | bigint;
  if (remainders instanceof Float64Array) {
    const values = new Float64Array(m);
    for (let j = 0; j < m; j++) values[j] = remainders[members[j] as number] as number;
    threshold = select({ values, k: m - count });
  } else {
    const ascending = members.map((i) => remainders[i] as bigint);
    threshold = ascending.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))[m - count] as bigint;
  }
  const tied: number[] = [];
  let above = 0;
  for (let j = 0; j < m; j++) {
    const i = members[j] as number;
    const remainder = remainders[i] as number | bigint;
    if (remainder > threshold) {
      parts[i] = (parts[i] as number) + 1;
      above++;
    } else if (remainder === threshold) tied.push(i);
  }
  tied.sort((a, b) => ((weights[a] as Weight).key < (weights[b] as Weight).key ? -1 : 1));
  for (let j = 0; j < count - above; j++) {
    const i = tied[j] as number;
    parts[i] = (parts[i] as number) + 1;
  }
}

/** Refuses a negative weight, and a number weight that is not a safe integer. */
function refuseInvalid(options: Weight): void {
  const { key, weight } = options;
  if (weight < 0) throw internal(`negative weight for ${key}`);
  if (typeof weight === "number" && !Number.isSafeInteger(weight)) {
    throw internal(`weight ${weight} for ${key} is not a safe integer`);
  }
}

/** Each weight's part by its key, in the weights' order; refuses a key given twice. */
function partsByKey(options: {
  weights: readonly Weight[];
  parts: Float64Array;
}): Map<string, number> {
  const { weights, parts } = options;
  const result = new Map<string, number>();
  for (let i = 0; i < weights.length; i++) {
    const { key } = weights[i] as Weight;
    result.set(key, parts[i] as number);
    if (result.size === i) throw internal(`duplicate allocation key ${key}`);
  }
  return result;
}

/**
 * Splits an integer `total` in proportion to integer weights (Hamilton's largest-remainder
 * method): each key gets the floor of its quota, and the units left over go one each to the
 * largest remainders, ties to the smallest key. The parts always sum to `total` exactly, which
 * is what lets breakdowns by project, resource or account add up to the invoice.
 */
export function splitByIntegerWeights(options: {
  total: number;
  weights: Weight[];
}): Map<string, number> {
  const { total, weights } = options;
  if (!Number.isSafeInteger(total)) throw internal(`total must be a safe integer, got ${total}`);
  let positive = false;
  for (const { key, weight } of weights) {
    refuseInvalid({ key, weight });
    if (weight > 0) positive = true;
  }
  if (!positive) {
    if (total !== 0) throw internal(`cannot split ${total} over zero weight`);
    return partsByKey({ weights, parts: new Float64Array(weights.length) });
  }
  const { floors, remainders } = quotas({ total, weights });
  // Σ floor(quota) ≤ total < Σ floor(quota) + n, so at most one extra unit per key.
  let leftover = total;
  for (const floor of floors) leftover -= floor;
  const members = weights.map((_, i) => i);
  addToLargestRemainders({ members, count: leftover, remainders, weights, parts: floors });
  return partsByKey({ weights, parts: floors });
}

/**
 * Splits an integer `total` over resources grouped by project so that both levels hold to one
 * unit: each project gets its quota of the total by the largest-remainder method among projects
 * (ties to the smallest project id), and each resource the floor of its own quota of the total,
 * plus one of its project's leftover units when its remainder is among the project's largest
 * (ties to the smallest key). A project's part is then within one unit of its quota whatever
 * its number of resources (one ranking over all resources could leave a project of many small
 * ones short by as many units), each resource's within one unit of its own, and they sum to
 * `total`. It also lets a breakdown by project be computed from projects' weights alone.
 */
export function splitByProjectThenResource(options: {
  total: number;
  weights: ProjectWeight[];
}): Map<string, number> {
  return partsByKey({ weights: options.weights, parts: projectThenResourceParts(options) });
}

/**
 * {@link splitByProjectThenResource}'s parts in the weights' order, for a caller that holds its
 * weights by position (a cost query's line of 10k resources: no map of their keys to build and
 * read back). Keys only break ties; a key given twice is not refused here.
 */
export function projectThenResourceParts(options: {
  total: number;
  weights: readonly ProjectWeight[];
}): Float64Array {
  const { total, weights } = options;
  // Projects in order of first appearance, each with its resources' indices and summed weight
  // (a number while it is a safe integer).
  const projectIndex = new Map<string, number>();
  const projects: { key: string; weight: bigint | number; members: number[] }[] = [];
  for (let i = 0; i < weights.length; i++) {
    const { key, project_id, weight } = weights[i] as (typeof weights)[number];
    refuseInvalid({ key, weight });
    const index = projectIndex.get(project_id);
    const project = index === undefined ? undefined : projects[index];
    if (project) {
      const held = project.weight;
      project.weight =
        typeof held === "number" &&
        typeof weight === "number" &&
        held + weight <= Number.MAX_SAFE_INTEGER
          ? held + weight
          : BigInt(held) + BigInt(weight);
      project.members.push(i);
    } else {
      projectIndex.set(project_id, projects.length);
      projects.push({ key: project_id, weight, members: [i] });
    }
  }
  const projectParts = splitByIntegerWeights({ total, weights: projects });
  if (projects.every(({ weight }) => weight <= 0)) return new Float64Array(weights.length);
  // Each resource's floor of its quota of the whole total; what its project's part holds beyond
  // its resources' floors goes one unit each to their largest remainders.
  const { floors, remainders } = quotas({ total, weights });
  for (const { key: project_id, members } of projects) {
    let leftover = projectParts.get(project_id) as number;
    for (let j = 0; j < members.length; j++) leftover -= floors[members[j] as number] as number;
    // A project's part is the floor or ceiling of its quota, and its resources' floors sum to
    // at most that floor and to more than the quota less one unit per resource.
    if (leftover < 0 || leftover > members.length) {
      throw internal(`project ${project_id} has ${leftover} units over ${members.length} keys`);
    }
    addToLargestRemainders({ members, count: leftover, remainders, weights, parts: floors });
  }
  return floors;
}

/** {@link splitByProjectThenResource} for exact rational weights (e.g. metered usage). */
export function splitExactByProjectThenResource(options: {
  total: number;
  weights: { key: string; project_id: string; exact: Rational }[];
}): Map<string, number> {
  let common = 1n;
  for (const { exact } of options.weights) common = lcmBig(common, exact.den);
  return splitByProjectThenResource({
    total: options.total,
    weights: options.weights.map(({ key, project_id, exact }) => ({
      key,
      project_id,
      weight: exact.num * (common / exact.den),
    })),
  });
}
