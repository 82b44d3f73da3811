import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  splitByIntegerWeights,
  splitByProjectThenResource,
  splitExactByProjectThenResource,
} from "../../../src/domain/allocation.js";
import { rational } from "../../../src/domain/rational.js";

/** One project holding every key: the split is then the plain largest-remainder method. */
function largestRemainder(options: {
  total: number;
  weights: { key: string; exact: ReturnType<typeof rational> }[];
}): Map<string, number> {
  return splitExactByProjectThenResource({
    total: options.total,
    weights: options.weights.map((w) => ({ ...w, project_id: "p" })),
  });
}

describe("the largest-remainder split within one project", () => {
  it("splits 100 three ways as 34/33/33, the extra unit to the first key on a tie", () => {
    const parts = largestRemainder({
      total: 100,
      weights: [
        { key: "c", exact: rational(1, 3) },
        { key: "a", exact: rational(1, 3) },
        { key: "b", exact: rational(1, 3) },
      ],
    });
    expect(Object.fromEntries(parts)).toEqual({ a: 34, b: 33, c: 33 });
  });

  it("hands leftovers to the largest fractional parts, not the largest weights", () => {
    // Quotas of 10 by 0.55 / 0.25 / 0.2: 5.5, 2.5, 2 → floors 5, 2, 2 and one left over.
    // 5.5 and 2.5 tie on .5; "big" < "mid" so "big" takes it.
    const parts = largestRemainder({
      total: 10,
      weights: [
        { key: "big", exact: rational(55, 100) },
        { key: "mid", exact: rational(25, 100) },
        { key: "small", exact: rational(20, 100) },
      ],
    });
    expect(Object.fromEntries(parts)).toEqual({ big: 6, mid: 2, small: 2 });
    // 1.7 / 1.3 of 3: the .7 wins over the .3.
    const more = largestRemainder({
      total: 3,
      weights: [
        { key: "a", exact: rational(13, 10) },
        { key: "b", exact: rational(17, 10) },
      ],
    });
    expect(Object.fromEntries(more)).toEqual({ a: 1, b: 2 });
  });

  it("gives nothing to zero weights and refuses to split a total over nothing", () => {
    const parts = largestRemainder({
      total: 5,
      weights: [
        { key: "a", exact: rational(0) },
        { key: "b", exact: rational(3) },
      ],
    });
    expect(Object.fromEntries(parts)).toEqual({ a: 0, b: 5 });
    expect(largestRemainder({ total: 0, weights: [] }).size).toBe(0);
    expect(() => largestRemainder({ total: 1, weights: [] })).toThrow();
    expect(() =>
      largestRemainder({ total: 1, weights: [{ key: "a", exact: rational(-1) }] }),
    ).toThrow();
    expect(() =>
      largestRemainder({
        total: 1,
        weights: [
          { key: "a", exact: rational(1) },
          { key: "a", exact: rational(1) },
        ],
      }),
    ).toThrow();
  });

  it("always sums to the total, each part within one unit of its quota", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1_000_000, max: 1_000_000 }),
        fc.array(fc.tuple(fc.nat(10_000), fc.integer({ min: 1, max: 1000 })), {
          minLength: 1,
          maxLength: 20,
        }),
        (total, raw) => {
          fc.pre(raw.some(([n]) => n > 0));
          const weights = raw.map(([n, d], i) => ({ key: `k${i}`, exact: rational(n, d) }));
          const parts = largestRemainder({ total, weights });
          let sum = 0;
          const weightSum = raw.reduce((s, [n, d]) => s + n / d, 0);
          for (const [i, [n, d]] of raw.entries()) {
            const part = parts.get(`k${i}`) as number;
            sum += part;
            // Floats are fine in the test oracle: the bound has slack.
            expect(Math.abs(part - (total * (n / d)) / weightSum)).toBeLessThan(1 + 1e-6);
          }
          expect(sum).toBe(total);
        },
      ),
    );
  });

  it("does not depend on the order of the weights", () => {
    fc.assert(
      fc.property(
        fc.nat(10_000),
        fc.uniqueArray(fc.tuple(fc.string({ minLength: 1, maxLength: 3 }), fc.nat(50)), {
          minLength: 1,
          maxLength: 10,
          selector: ([k]) => k,
        }),
        (total, raw) => {
          fc.pre(raw.some(([, w]) => w > 0));
          const weights = raw.map(([key, w]) => ({ key, weight: BigInt(w) }));
          const forward = splitByIntegerWeights({ total, weights });
          const backward = splitByIntegerWeights({ total, weights: [...weights].reverse() });
          expect(Object.fromEntries(backward)).toEqual(Object.fromEntries(forward));
        },
      ),
    );
  });
});

describe("splitByProjectThenResource", () => {
  // 20 units over 10 resources of quota 1.44 in project A and 10 of quota 0.56 in B. One ranking
  // over all resources hands the 10 leftover units to B's larger remainders: A 10, B 10 against
  // quotas 14.4 and 5.6. Project first: A 14 and B 6, each resource still within one unit.
  const weights = [
    ...Array.from({ length: 10 }, (_, i) => ({ key: `a${i}`, project_id: "A", weight: 144n })),
    ...Array.from({ length: 10 }, (_, i) => ({ key: `b${i}`, project_id: "B", weight: 56n })),
  ];

  it("gives each project its quota to one unit, where one ranking over resources would not", () => {
    const parts = splitByProjectThenResource({ total: 20, weights });
    const ofProject = (p: string) =>
      weights.filter((w) => w.project_id === p).reduce((s, w) => s + (parts.get(w.key) ?? 0), 0);
    expect(ofProject("A")).toBe(14);
    expect(ofProject("B")).toBe(6);
    // Within A, the 4 units left over its floors go to the smallest keys on a tie.
    expect(["a0", "a1", "a2", "a3", "a4"].map((k) => parts.get(k))).toEqual([2, 2, 2, 2, 1]);
    expect(["b0", "b5", "b6"].map((k) => parts.get(k))).toEqual([1, 1, 0]);
    const flat = splitByIntegerWeights({ total: 20, weights });
    expect(
      weights.filter((w) => w.project_id === "A").reduce((s, w) => s + (flat.get(w.key) ?? 0), 0),
    ).toBe(10);
  });

  it("always sums to the total, each project and each resource within one unit of its quota, whatever the order", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1_000_000, max: 1_000_000 }),
        fc.array(fc.tuple(fc.nat(10_000), fc.integer({ min: 0, max: 3 })), {
          minLength: 1,
          maxLength: 30,
        }),
        (total, raw) => {
          fc.pre(raw.some(([w]) => w > 0));
          const items = raw.map(([w, p], i) => ({
            key: `k${String(i).padStart(2, "0")}`,
            project_id: `p${p}`,
            weight: BigInt(w),
          }));
          const parts = splitByProjectThenResource({ total, weights: items });
          const reversed = splitByProjectThenResource({ total, weights: [...items].reverse() });
          expect(Object.fromEntries(reversed)).toEqual(Object.fromEntries(parts));
          const weightSum = raw.reduce((s, [w]) => s + w, 0);
          const projects = new Map<string, { part: number; weight: number }>();
          let sum = 0;
          for (const [i, [w, p]] of raw.entries()) {
            const part = parts.get(`k${String(i).padStart(2, "0")}`) as number;
            sum += part;
            // Floats are fine in the test oracle: the bounds have slack.
            expect(Math.abs(part - (total * w) / weightSum)).toBeLessThan(1 + 1e-6);
            const project = projects.get(`p${p}`) ?? { part: 0, weight: 0 };
            project.part += part;
            project.weight += w;
            projects.set(`p${p}`, project);
          }
          expect(sum).toBe(total);
          for (const { part, weight } of projects.values()) {
            expect(Math.abs(part - (total * weight) / weightSum)).toBeLessThan(1 + 1e-6);
          }
        },
      ),
    );
  });
});

/** The largest-remainder method spelled out in BigInt: the specification the splits must meet. */
function reference(options: { total: number; weights: { key: string; weight: bigint }[] }): {
  floors: bigint[];
  remainders: bigint[];
} {
  const t = BigInt(options.total);
  const sum = options.weights.reduce((s, { weight }) => s + weight, 0n);
  const floors = options.weights.map(({ weight }) => {
    const q = (t * weight) / sum;
    return (t * weight) % sum !== 0n && t < 0n ? q - 1n : q;
  });
  const remainders = options.weights.map(({ weight }, i) => t * weight - (floors[i] ?? 0n) * sum);
  return { floors, remainders };
}

/** Adds one unit to each of the first `count` of `indices` by remainder, then key. */
function referenceLeftovers(options: {
  indices: number[];
  count: bigint;
  keys: string[];
  remainders: bigint[];
  parts: bigint[];
}): void {
  const { indices, count, keys, remainders, parts } = options;
  const ranked = [...indices].sort((a, b) => {
    const [ra, rb] = [remainders[a] as bigint, remainders[b] as bigint];
    if (ra !== rb) return ra > rb ? -1 : 1;
    return (keys[a] as string) < (keys[b] as string) ? -1 : 1;
  });
  for (const i of ranked.slice(0, Number(count))) parts[i] = (parts[i] as bigint) + 1n;
}

function referenceSplit(options: {
  total: number;
  weights: { key: string; weight: bigint }[];
}): [string, number][] {
  const { floors, remainders } = reference(options);
  const keys = options.weights.map(({ key }) => key);
  referenceLeftovers({
    indices: keys.map((_, i) => i),
    count: BigInt(options.total) - floors.reduce((s, f) => s + f, 0n),
    keys,
    remainders,
    parts: floors,
  });
  return keys.map((key, i) => [key, Number(floors[i])]);
}

function referenceByProject(options: {
  total: number;
  weights: { key: string; project_id: string; weight: bigint }[];
}): [string, number][] {
  const projects = new Map<string, bigint>();
  for (const { project_id, weight } of options.weights) {
    projects.set(project_id, (projects.get(project_id) ?? 0n) + weight);
  }
  const projectParts = new Map(
    referenceSplit({
      total: options.total,
      weights: [...projects].map(([key, weight]) => ({ key, weight })),
    }),
  );
  const { floors, remainders } = reference(options);
  const keys = options.weights.map(({ key }) => key);
  for (const project of projects.keys()) {
    const indices = keys.map((_, i) => i).filter((i) => options.weights[i]?.project_id === project);
    const held = indices.reduce((s, i) => s + (floors[i] as bigint), 0n);
    referenceLeftovers({
      indices,
      count: BigInt(projectParts.get(project) ?? 0) - held,
      keys,
      remainders,
      parts: floors,
    });
  }
  return keys.map((key, i) => [key, Number(floors[i])]);
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

const total = fc.oneof(
  fc.integer({ min: -20, max: 20 }),
  fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 40),
);

/** Few distinct small weights make many equal remainders; huge ones take the BigInt path. */
const weight = fc.oneof(
  fc.constant(0n),
  fc.bigInt({ min: 0n, max: 3n }),
  fc.bigInt({ min: 1n, max: 2_700_000n }),
  fc.bigInt({ min: 0n, max: 2n ** 60n }),
);

/**
 * Totals that put |total| · max w + Σw a few max w either side of 2⁵³ − 1, or up to twice past
 * it, where products and sums would round off as doubles by units that the remainders of a few
 * small weights show.
 */
const atTheBound = fc
  .record({
    weights: fc.array(
      fc.oneof(
        fc.bigInt({ min: 0n, max: 3n }),
        fc.bigInt({ min: 0n, max: 2_700_000n }),
        fc.bigInt({ min: 0n, max: MAX_SAFE }),
      ),
      { minLength: 1, maxLength: 5 },
    ),
    side: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.integer({ min: -1000, max: 1000 })),
    eighths: fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 8n })),
    negative: fc.boolean(),
  })
  .filter(({ weights }) => weights.some((w) => w > 0n))
  .map(({ weights, side, eighths, negative }) => {
    const sum = weights.reduce((s, w) => s + w, 0n);
    const max = weights.reduce((m, w) => (w > m ? w : m), 0n);
    const under = (MAX_SAFE - sum) / max;
    let t = under + (under * eighths) / 8n + BigInt(side);
    if (t < 0n) t = -t;
    if (t > MAX_SAFE) t = MAX_SAFE;
    return { total: Number(negative ? -t : t), weights };
  });

describe("the splits against the BigInt largest-remainder method", () => {
  const split = fc.record({
    total,
    weights: fc.uniqueArray(
      fc.record({ key: fc.string({ maxLength: 3, unit: "binary" }), weight }),
      { maxLength: 40, selector: ({ key }) => key },
    ),
  });

  it("splitByIntegerWeights gives the reference parts, in the weights' order", () => {
    fc.assert(
      fc.property(split, ({ total, weights }) => {
        fc.pre(weights.some(({ weight }) => weight > 0n));
        const parts = splitByIntegerWeights({ total, weights });
        expect([...parts]).toEqual(referenceSplit({ total, weights }));
      }),
      { numRuns: 500 },
    );
  });

  it("splitByProjectThenResource gives the reference parts over one or many projects", () => {
    const byProject = fc.record({
      split,
      projects: fc.oneof(fc.constant(1), fc.integer({ min: 2, max: 4 }), fc.constant(30)),
      seeds: fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
    });
    fc.assert(
      fc.property(byProject, ({ split: { total, weights }, projects, seeds }) => {
        fc.pre(weights.some(({ weight }) => weight > 0n));
        const items = weights.map((w, i) => ({
          ...w,
          project_id: `p${(seeds[i] ?? 0) % projects}`,
        }));
        const parts = splitByProjectThenResource({ total, weights: items });
        expect([...parts]).toEqual(referenceByProject({ total, weights: items }));
      }),
      { numRuns: 500 },
    );
  });

  it("agrees over thousands of weights, many of them equal", () => {
    fc.assert(
      fc.property(
        total,
        fc.array(
          fc.oneof(fc.bigInt({ min: 0n, max: 5n }), fc.bigInt({ min: 1n, max: 2_700_000n })),
          {
            minLength: 1000,
            maxLength: 3000,
          },
        ),
        (total, raw) => {
          fc.pre(raw.some((w) => w > 0n));
          const items = raw.map((weight, i) => ({ key: `k${i}`, project_id: `p${i % 7}`, weight }));
          expect([...splitByProjectThenResource({ total, weights: items })]).toEqual(
            referenceByProject({ total, weights: items }),
          );
        },
      ),
      { numRuns: 20 },
    );
  });

  it("stays exact with products and sums either side of 2⁵³", () => {
    fc.assert(
      fc.property(atTheBound, fc.nat(3), ({ total, weights }, zeros) => {
        const items = [...weights, ...Array.from({ length: zeros }, () => 0n)].map((weight, i) => ({
          key: `k${i}`,
          project_id: `p${i % 2}`,
          weight,
        }));
        expect([...splitByIntegerWeights({ total, weights: items })]).toEqual(
          referenceSplit({ total, weights: items }),
        );
        expect([...splitByProjectThenResource({ total, weights: items })]).toEqual(
          referenceByProject({ total, weights: items }),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it("takes a weight given as a safe-integer number as its bigint, project sums past 2⁵³ too", () => {
    fc.assert(
      fc.property(
        atTheBound,
        fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
        (bound, asNumber) => {
          const items = bound.weights.map((weight, i) => ({
            key: `k${i}`,
            project_id: `p${i % 2}`,
            weight,
          }));
          const mixed = items.map((item, i) => ({
            ...item,
            weight: asNumber[i] ? Number(item.weight) : item.weight,
          }));
          expect([...splitByProjectThenResource({ total: bound.total, weights: mixed })]).toEqual(
            referenceByProject({ total: bound.total, weights: items }),
          );
          expect([...splitByIntegerWeights({ total: bound.total, weights: mixed })]).toEqual(
            referenceSplit({ total: bound.total, weights: items }),
          );
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("refuses a number weight that is not a safe integer", () => {
    for (const weight of [0.5, 2 ** 53, Number.NaN]) {
      expect(() =>
        splitByProjectThenResource({ total: 1, weights: [{ key: "a", project_id: "p", weight }] }),
      ).toThrow(/not a safe integer/);
    }
  });

  it("hands the leftover units of many equal remainders to the smallest keys", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1000, max: 1000 }),
        fc.uniqueArray(fc.string({ maxLength: 4, unit: "binary" }), {
          minLength: 1,
          maxLength: 60,
        }),
        fc.bigInt({ min: 1n, max: 2_700_000n }),
        (total, keys, w) => {
          const items = keys.map((key, i) => ({ key, project_id: `p${i % 3}`, weight: w }));
          expect([...splitByIntegerWeights({ total, weights: items })]).toEqual(
            referenceSplit({ total, weights: items }),
          );
          expect([...splitByProjectThenResource({ total, weights: items })]).toEqual(
            referenceByProject({ total, weights: items }),
          );
        },
      ),
    );
  });
});
