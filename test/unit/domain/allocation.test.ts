import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { largestRemainder, splitByIntegerWeights } from "../../../src/domain/allocation.js";
import { rational } from "../../../src/domain/rational.js";

describe("largestRemainder", () => {
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
