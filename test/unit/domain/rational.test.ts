import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addR,
  compareR,
  divR,
  floorR,
  mulR,
  rational,
  roundHalfUp,
  subR,
} from "../../../src/domain/rational.js";

describe("rational", () => {
  it("normalises sign and reduces", () => {
    expect(rational(6, -4)).toEqual({ num: -3n, den: 2n });
    expect(rational(0, 5)).toEqual({ num: 0n, den: 1n });
    expect(rational(10n)).toEqual({ num: 10n, den: 1n });
  });

  it("refuses zero denominators and floats", () => {
    expect(() => rational(1, 0)).toThrow();
    expect(() => rational(0.1)).toThrow();
  });

  it("does exact arithmetic where floats drift", () => {
    // 0.1 + 0.2 is 0.30000000000000004 in floating point.
    expect(addR(rational(1, 10), rational(2, 10))).toEqual(rational(3, 10));
    expect(subR(rational(1, 2), rational(1, 3))).toEqual(rational(1, 6));
    expect(mulR(rational(2, 3), rational(9, 4))).toEqual(rational(3, 2));
    expect(divR(rational(1, 3), rational(2, 3))).toEqual(rational(1, 2));
    expect(() => divR(rational(1), rational(0))).toThrow();
  });

  it("compares and floors", () => {
    expect(compareR(rational(1, 3), rational(1, 2))).toBe(-1);
    expect(compareR(rational(2, 4), rational(1, 2))).toBe(0);
    expect(floorR(rational(-1, 2))).toBe(-1);
    expect(floorR(rational(7, 2))).toBe(3);
  });
});

describe("roundHalfUp", () => {
  it("rounds halves away from zero and everything else to the nearest", () => {
    expect(roundHalfUp(rational(5, 2))).toBe(3);
    expect(roundHalfUp(rational(-5, 2))).toBe(-3);
    expect(roundHalfUp(rational(1, 2))).toBe(1);
    expect(roundHalfUp(rational(49, 100))).toBe(0);
    expect(roundHalfUp(rational(-49, 100))).toBe(0);
    expect(roundHalfUp(rational(151, 100))).toBe(2);
    expect(roundHalfUp(rational(7))).toBe(7);
  });

  it("throws rather than lose precision past 2^53", () => {
    expect(roundHalfUp(rational(BigInt(Number.MAX_SAFE_INTEGER)))).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => roundHalfUp(rational(BigInt(Number.MAX_SAFE_INTEGER) + 1n))).toThrow();
  });

  it("is never more than half a unit away", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
        fc.bigInt({ min: 1n, max: 10n ** 6n }),
        (num, den) => {
          const r = rational(num, den);
          const diff = subR(rational(roundHalfUp(r)), r);
          const abs = diff.num < 0n ? rational(-diff.num, diff.den) : diff;
          expect(compareR(abs, rational(1, 2))).toBeLessThanOrEqual(0);
          // Exactly half goes away from zero: |rounded| > |r|.
          if (compareR(abs, rational(1, 2)) === 0) {
            const absR = rational(num < 0n ? -num : num, den);
            expect(compareR(rational(Math.abs(roundHalfUp(r))), absR)).toBe(1);
          }
        },
      ),
    );
  });
});
