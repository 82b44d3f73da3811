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
