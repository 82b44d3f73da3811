import { describe, expect, it } from "vitest";
import {
  effectiveInstant,
  finalVersion,
  type PriceBook,
  type PriceVersion,
  planVersionMoves,
  versionAt,
  versionSegments,
} from "../../../src/domain/price-versions.js";
import type { Price } from "../../../src/domain/pricing.js";

const d = (iso: string) => new Date(iso);
const s = (iso: string) => Date.parse(iso) / 1000;
const price = (unit_amount: number): Price => ({
  resource_type: "graph",
  sku: "standard",
  billing_model: "per_unit",
  currency: "usd",
  interval: "month",
  unit_amount,
});
const version = (n: number, effective_from: string | null, unit = 1000 * n): PriceVersion => ({
  version: n,
  price: price(unit),
  created_at: d("2026-11-01T00:00:00Z"),
  effective_from: effective_from ? d(effective_from) : null,
  grandfathered: n > 1 && effective_from === null,
});
const ref = { resource_type: "graph", sku: "standard" };

describe("price versions", () => {
  // v2 moves earlier resources on Dec 1; v3 is grandfathered; v4 moves them on Jan 15.
  const book: PriceBook = new Map([
    [
      "graph/standard",
      [
        version(1, null),
        version(2, "2026-12-01T00:00:00Z"),
        version(3, null),
        version(4, "2027-01-15T00:00:00Z"),
      ],
    ],
  ]);

  it("a resource's version only goes up, at the instants of later versions", () => {
    expect(versionAt({ book, ref, version: 1, at: d("2026-11-30T23:59:59Z") })).toBe(1);
    expect(versionAt({ book, ref, version: 1, at: d("2026-12-01T00:00:00Z") })).toBe(2);
    // Grandfathered: a resource created at v3 stays there until v4 moves everyone.
    expect(versionAt({ book, ref, version: 3, at: d("2027-01-01T00:00:00Z") })).toBe(3);
    expect(versionAt({ book, ref, version: 3, at: d("2027-01-15T00:00:00Z") })).toBe(4);
    expect(finalVersion({ book, ref, version: 1 })).toBe(4);
  });

  it("cuts an interval where its version changes, and nowhere else", () => {
    expect(
      versionSegments({
        book,
        ref,
        version: 1,
        start: s("2026-11-10T00:00:00Z"),
        end: s("2027-02-01T00:00:00Z"),
      }),
    ).toEqual([
      { version: 1, start: s("2026-11-10T00:00:00Z"), end: s("2026-12-01T00:00:00Z") },
      { version: 2, start: s("2026-12-01T00:00:00Z"), end: s("2027-01-15T00:00:00Z") },
      { version: 4, start: s("2027-01-15T00:00:00Z"), end: s("2027-02-01T00:00:00Z") },
    ]);
    // Recorded at v1 but starting after the move (a switch before the pass ran): v2 throughout.
    expect(
      versionSegments({
        book,
        ref,
        version: 1,
        start: s("2026-12-05T00:00:00Z"),
        end: s("2026-12-06T00:00:00Z"),
      }),
    ).toEqual([{ version: 2, start: s("2026-12-05T00:00:00Z"), end: s("2026-12-06T00:00:00Z") }]);
    // Ends exactly at the move: not cut.
    expect(
      versionSegments({
        book,
        ref,
        version: 1,
        start: s("2026-11-10T00:00:00Z"),
        end: s("2026-12-01T00:00:00Z"),
      }),
    ).toHaveLength(1);
  });

  it("plans the moves that are due and not done, oldest first", () => {
    const due = planVersionMoves({
      book,
      now: d("2027-01-20T00:00:00Z"),
      done: (m) => m.version === 2,
    });
    expect(due.map((m) => [m.version, m.effective_from.toISOString()])).toEqual([
      [4, "2027-01-15T00:00:00.000Z"],
    ]);
    expect(planVersionMoves({ book, now: d("2026-11-20T00:00:00Z"), done: () => false })).toEqual(
      [],
    );
  });

  it("moves existing resources at the next period by default, at effective_from, or never", () => {
    const recordedAt = d("2026-11-10T12:34:56.789Z");
    expect(effectiveInstant({ schedule: {}, recordedAt })).toEqual({
      effective_from: d("2026-12-01T00:00:00Z"),
      clamped: false,
    });
    expect(
      effectiveInstant({ schedule: { effective_from: d("2026-11-20T08:00:00Z") }, recordedAt }),
    ).toEqual({ effective_from: d("2026-11-20T08:00:00Z"), clamped: false });
    expect(effectiveInstant({ schedule: { grandfathered: true }, recordedAt })).toEqual({
      effective_from: null,
      clamped: false,
    });
    // An instant already past would change what was billed: it is taken as the recording's
    // (whole) second.
    expect(
      effectiveInstant({ schedule: { effective_from: d("2026-11-01T00:00:00Z") }, recordedAt }),
    ).toEqual({ effective_from: d("2026-11-10T12:34:57Z"), clamped: true });
  });
});
