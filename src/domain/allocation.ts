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
  weights: { key: string; project_id: string; weight: bigint }[];
}): Map<string, number> {
  const { total, weights } = options;
  const projectWeights = new Map<string, bigint>();
  for (const { key, project_id, weight } of weights) {
    if (weight < 0n) throw internal(`negative weight for ${key}`);
    projectWeights.set(project_id, (projectWeights.get(project_id) ?? 0n) + weight);
  }
  const projectParts = splitByIntegerWeights({
    total,
    weights: [...projectWeights].map(([key, weight]) => ({ key, weight })),
  });
  const result = new Map<string, number>();
  let sum = 0n;
  for (const { key, weight } of weights) {
    if (result.has(key)) throw internal(`duplicate allocation key ${key}`);
    result.set(key, 0);
    sum += weight;
  }
  if (sum === 0n) return result;
  const t = BigInt(total);
  // Each resource's floor of its quota of the whole total; what its project's part holds beyond
  // its resources' floors goes one unit each to their largest remainders.
  const leftovers = new Map(projectParts);
  const byProject = new Map<string, { key: string; remainder: bigint }[]>();
  for (const { key, project_id, weight } of weights) {
    const product = t * weight;
    const share = floorDiv(product, sum);
    result.set(key, Number(share));
    leftovers.set(project_id, (leftovers.get(project_id) as number) - Number(share));
    const ranked = byProject.get(project_id) ?? [];
    ranked.push({ key, remainder: product - share * sum });
    byProject.set(project_id, ranked);
  }
  for (const [project_id, ranked] of byProject) {
    const leftover = leftovers.get(project_id) as number;
    // A project's part is the floor or ceiling of its quota, and its resources' floors sum to
    // at most that floor and to more than the quota less one unit per resource.
    if (leftover < 0 || leftover > ranked.length) {
      throw internal(`project ${project_id} has ${leftover} units over ${ranked.length} keys`);
    }
    ranked.sort((a, b) =>
      a.remainder !== b.remainder ? (a.remainder > b.remainder ? -1 : 1) : a.key < b.key ? -1 : 1,
    );
    for (let i = 0; i < leftover; i++) {
      const key = (ranked[i] as { key: string }).key;
      result.set(key, (result.get(key) as number) + 1);
    }
  }
  return result;
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
