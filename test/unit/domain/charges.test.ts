import { describe, expect, it } from "vitest";
import { computeCharges, type LedgerInterval } from "../../../src/domain/charges.js";
import { AppError } from "../../../src/domain/errors.js";
import { type PriceBook, priceBookOf } from "../../../src/domain/price-versions.js";
import type { Price } from "../../../src/domain/pricing.js";

const d = (iso: string) => new Date(iso);
const APRIL = { from: d("2026-04-01T00:00:00Z"), to: d("2026-05-01T00:00:00Z") }; // 30 days

function perUnit(unit_amount: number, sku = "small"): Price {
  return {
    resource_type: "vm",
    sku,
    billing_model: "per_unit",
    currency: "usd",
    interval: "month",
    unit_amount,
  };
}

function priceMap(...prices: Price[]): PriceBook {
  return priceBookOf(prices);
}

function iv(
  resource_id: string,
  started_at: string,
  ended_at: string | null,
  extra: Partial<LedgerInterval> = {},
): LedgerInterval {
  return {
    resource_id,
    project_id: "proj-1",
    billing_account_id: "acct-a",
    resource_type: "vm",
    sku: "small",
    price_version: 1,
    started_at: d(started_at),
    ended_at: ended_at === null ? null : d(ended_at),
    ...extra,
  };
}

describe("computeCharges, per_unit", () => {
  it("a resource alive for exactly half of a 30-day month costs half", () => {
    const c = computeCharges({
      intervals: [iv("r1", "2026-04-01T00:00:00Z", "2026-04-16T00:00:00Z")],
      prices: priceMap(perUnit(3000)),
      ...APRIL,
      openUntil: APRIL.to,
    });
    expect(c.total).toBe(1500);
    expect(c.lines).toEqual([
      {
        billing_account_id: "acct-a",
        resource_type: "vm",
        sku: "small",
        price_version: 1,
        period: { start: APRIL.from, end: APRIL.to },
        amount: 1500,
        quantity_at_end: 0,
      },
    ]);
    expect(c.shares).toEqual([
      {
        resource_id: "r1",
        project_id: "proj-1",
        billing_account_id: "acct-a",
        resource_type: "vm",
        sku: "small",
        price_version: 1,
        amount: 1500,
      },
    ]);
  });

  it("rounds once per line, not once per resource", () => {
    // Two resources, each half of April at 10.01: 500.5 each. Rounded per resource that would be
    // 501 + 501 = 1002; the line is exactly 1001.
    const c = computeCharges({
      intervals: [
        iv("r2", "2026-04-01T00:00:00Z", "2026-04-16T00:00:00Z"),
        iv("r1", "2026-04-16T00:00:00Z", null),
      ],
      prices: priceMap(perUnit(1001)),
      ...APRIL,
      openUntil: APRIL.to,
    });
    expect(c.total).toBe(1001);
    // The odd cent goes to the smaller resource_id on the 500.5 / 500.5 tie.
    expect(c.shares.map((s) => [s.resource_id, s.amount])).toEqual([
      ["r1", 501],
      ["r2", 500],
    ]);
    expect(c.lines[0]?.quantity_at_end).toBe(1);
  });

  it("a resource that moved accounts mid-month pays each account for its own seconds only", () => {
    // Moved at 10 days + 1 second: 3000 × 864001 / 2592000 = 1000.001… → 1000, and
    // 3000 × 1727999 / 2592000 = 1999.998… → 2000: the full month, no second counted twice.
    const moved = "2026-04-11T00:00:01Z";
    const c = computeCharges({
      intervals: [
        iv("r1", "2026-04-01T00:00:00Z", moved),
        iv("r1", moved, null, { billing_account_id: "acct-b" }),
      ],
      prices: priceMap(perUnit(3000)),
      ...APRIL,
      openUntil: APRIL.to,
    });
    expect(c.lines.map((l) => [l.billing_account_id, l.amount, l.quantity_at_end])).toEqual([
      ["acct-a", 1000, 0],
      ["acct-b", 2000, 1],
    ]);
    expect(c.shares.map((s) => [s.billing_account_id, s.resource_id, s.amount])).toEqual([
      ["acct-a", "r1", 1000],
      ["acct-b", "r1", 2000],
    ]);
    expect(c.total).toBe(3000);
  });

  it("splits a resource across calendar months by each month's own length", () => {
    // Mar 16 → Apr 16 at 31.00: March 16/31 × 3100 = 1600, April 15/30 × 3100 = 1550.
    const c = computeCharges({
      intervals: [iv("r1", "2026-03-16T00:00:00Z", "2026-04-16T00:00:00Z")],
      prices: priceMap(perUnit(3100)),
      from: d("2026-03-01T00:00:00Z"),
      to: APRIL.to,
      openUntil: APRIL.to,
    });
    expect(c.lines.map((l) => [l.period.start.toISOString().slice(0, 7), l.amount])).toEqual([
      ["2026-03", 1600],
      ["2026-04", 1550],
    ]);
    expect(c.shares).toHaveLength(1);
    expect(c.shares[0]?.amount).toBe(3150);
    expect(c.total).toBe(3150);
  });

  it("clips to the window and ignores milliseconds", () => {
    const c = computeCharges({
      intervals: [iv("r1", "2026-03-01T00:00:00.700Z", null)],
      prices: priceMap(perUnit(3000)),
      from: d("2026-04-11T00:00:00.999Z"),
      to: d("2026-04-21T00:00:00Z"),
      openUntil: d("2026-06-01T00:00:00Z"),
    });
    expect(c.total).toBe(1000);
    expect(c.lines[0]?.quantity_at_end).toBe(1);
  });

  it("accrued stops open intervals at now; projected runs them to the end of the window", () => {
    const intervals = [
      iv("r1", "2026-04-01T00:00:00Z", null),
      iv("r2", "2026-04-01T00:00:00Z", "2026-04-06T00:00:00Z"),
    ];
    const now = d("2026-04-11T00:00:00Z");
    const prices = priceMap(perUnit(3000));
    const accrued = computeCharges({ intervals, prices, ...APRIL, openUntil: now });
    const projected = computeCharges({ intervals, prices, ...APRIL, openUntil: APRIL.to });
    // r1: 10 days (1000) or 30 days (3000); r2: 5 days (500) either way.
    expect(accrued.total).toBe(1500);
    expect(projected.total).toBe(3500);
    expect(accrued.lines[0]?.quantity_at_end).toBe(1);
    expect(projected.lines[0]?.quantity_at_end).toBe(1);
  });

  it("leaves out intervals that start after openUntil or are empty", () => {
    const c = computeCharges({
      intervals: [
        iv("r1", "2026-04-20T00:00:00Z", null),
        iv("r2", "2026-04-05T00:00:00Z", "2026-04-05T00:00:00.500Z"),
      ],
      prices: priceMap(perUnit(3000)),
      ...APRIL,
      openUntil: d("2026-04-10T00:00:00Z"),
    });
    expect(c).toEqual({ lines: [], shares: [], total: 0 });
  });
});

describe("computeCharges, tiered", () => {
  const graduated: Price = {
    ...perUnit(0),
    billing_model: "tiered",
    unit_amount: null,
    tiers_mode: "graduated",
    tiers: [
      { up_to: 1, unit_amount: 1000 },
      { up_to: null, unit_amount: 400 },
    ],
  };

  it("prices each stretch at the account's quantity and shares it per unit", () => {
    // First 15 days two VMs: periodAmount(2) = 1400 → 700, 350 each.
    // Last 15 days one VM: periodAmount(1) = 1000 → 500, all to r1.
    const c = computeCharges({
      intervals: [
        iv("r1", "2026-04-01T00:00:00Z", null),
        iv("r2", "2026-04-01T00:00:00Z", "2026-04-16T00:00:00Z"),
      ],
      prices: priceMap(graduated),
      ...APRIL,
      openUntil: APRIL.to,
    });
    expect(c.total).toBe(1200);
    expect(c.shares.map((s) => [s.resource_id, s.amount])).toEqual([
      ["r1", 850],
      ["r2", 350],
    ]);
  });

  it("counts quantity per account: the same resources on two accounts each start at tier 1", () => {
    const c = computeCharges({
      intervals: [
        iv("r1", "2026-04-01T00:00:00Z", null),
        iv("r2", "2026-04-01T00:00:00Z", null, { billing_account_id: "acct-b" }),
      ],
      prices: priceMap(graduated),
      ...APRIL,
      openUntil: APRIL.to,
    });
    expect(c.lines.map((l) => l.amount)).toEqual([1000, 1000]);
  });

  it("applies a volume tier to all units and its flat amount once", () => {
    const volume: Price = {
      ...graduated,
      tiers_mode: "volume",
      tiers: [
        { up_to: 2, unit_amount: 1000 },
        { up_to: null, unit_amount: 500, flat_amount: 300 },
      ],
    };
    const intervals = ["r1", "r2", "r3"].map((id) => iv(id, "2026-04-01T00:00:00Z", null));
    const c = computeCharges({
      intervals,
      prices: priceMap(volume),
      ...APRIL,
      openUntil: APRIL.to,
    });
    // 3 × 500 + 300 = 1800, split 600 each.
    expect(c.total).toBe(1800);
    expect(c.shares.map((s) => s.amount)).toEqual([600, 600, 600]);
  });
});

describe("computeCharges, other models and errors", () => {
  it("lists free prices at 0 with their quantity, and leaves metered ones to their usage", () => {
    const free: Price = { ...perUnit(0, "free"), billing_model: "free", unit_amount: null };
    const metered: Price = {
      ...perUnit(2, "metered"),
      billing_model: "metered",
      meter: { event_name: "calls" },
    };
    const c = computeCharges({
      intervals: [
        iv("r1", "2026-04-01T00:00:00Z", null, { sku: "free" }),
        iv("r2", "2026-04-01T00:00:00Z", null, { sku: "free" }),
        iv("r3", "2026-04-01T00:00:00Z", null, { sku: "metered" }),
      ],
      prices: priceMap(free, metered),
      ...APRIL,
      openUntil: APRIL.to,
    });
    expect(c.lines.map((l) => [l.sku, l.amount, l.quantity_at_end])).toEqual([["free", 0, 2]]);
    expect(c.shares.every((s) => s.amount === 0)).toBe(true);
    expect(c.total).toBe(0);
  });

  it("throws for a price missing from the catalog", () => {
    expect(() =>
      computeCharges({
        intervals: [iv("r1", "2026-04-01T00:00:00Z", null, { sku: "gone" })],
        prices: priceMap(perUnit(3000)),
        ...APRIL,
        openUntil: APRIL.to,
      }),
    ).toThrowError(/vm\/gone/);
  });

  it("refuses to add up two currencies", () => {
    const eur = { ...perUnit(100, "eu"), currency: "eur" };
    try {
      computeCharges({
        intervals: [
          iv("r1", "2026-04-01T00:00:00Z", null),
          iv("r2", "2026-04-01T00:00:00Z", null, { sku: "eu" }),
        ],
        prices: priceMap(perUnit(3000), eur),
        ...APRIL,
        openUntil: APRIL.to,
      });
      expect.unreachable();
    } catch (e) {
      expect((e as AppError).code).toBe("currency_mismatch");
    }
  });

  it("refuses a window that ends before it starts", () => {
    expect(() =>
      computeCharges({
        intervals: [],
        prices: new Map(),
        from: APRIL.to,
        to: APRIL.from,
        openUntil: APRIL.to,
      }),
    ).toThrowError(AppError);
  });

  it("handles thousands of intervals on one tiered line quickly", () => {
    const tiers = [
      { up_to: 10, unit_amount: 997 },
      { up_to: 100, unit_amount: 701 },
      { up_to: 1000, unit_amount: 503, flat_amount: 11 },
      { up_to: null, unit_amount: 307 },
    ];
    const price: Price = {
      ...perUnit(0),
      billing_model: "tiered",
      unit_amount: null,
      tiers_mode: "graduated",
      tiers,
    };
    const intervals: LedgerInterval[] = [];
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed;
    };
    const base = Date.parse("2026-01-01T00:00:00Z");
    for (let i = 0; i < 5000; i++) {
      const start = base + (next() % (120 * 86400)) * 1000;
      const end = next() % 4 === 0 ? null : new Date(start + (next() % (60 * 86400)) * 1000);
      intervals.push({
        resource_id: `r${i}`,
        project_id: `p${i % 7}`,
        billing_account_id: `a${i % 3}`,
        resource_type: "vm",
        sku: "small",
        price_version: 1,
        started_at: new Date(start),
        ended_at: end,
      });
    }
    const began = performance.now();
    const c = computeCharges({
      intervals,
      prices: priceMap(price),
      from: new Date(base),
      to: d("2026-06-01T00:00:00Z"),
      openUntil: d("2026-06-01T00:00:00Z"),
    });
    const elapsed = performance.now() - began;
    expect(c.shares.reduce((s, x) => s + x.amount, 0)).toBe(c.total);
    expect(elapsed).toBeLessThan(3000);
  });
});

describe("computeCharges, price versions", () => {
  const v1 = perUnit(3000);
  const v2 = perUnit(6000);
  const book = (effective_from: Date | null): PriceBook =>
    new Map([
      [
        "vm/small",
        [
          {
            version: 1,
            price: v1,
            created_at: d("2026-01-01T00:00:00Z"),
            effective_from: null,
            grandfathered: false,
          },
          {
            version: 2,
            price: v2,
            created_at: d("2026-04-10T00:00:00Z"),
            effective_from,
            grandfathered: effective_from === null,
          },
        ],
      ],
    ]);

  it("bills a row at its version until the move, at the new one after: one line per version", () => {
    const c = computeCharges({
      intervals: [iv("r1", "2026-04-01T00:00:00Z", null)],
      prices: book(d("2026-04-16T00:00:00Z")),
      ...APRIL,
      openUntil: APRIL.to,
    });
    expect(c.lines.map((l) => [l.price_version, l.amount, l.quantity_at_end])).toEqual([
      [1, 1500, 0],
      [2, 3000, 1],
    ]);
    expect(c.shares.map((s) => [s.resource_id, s.price_version, s.amount])).toEqual([
      ["r1", 1, 1500],
      ["r1", 2, 3000],
    ]);
    expect(c.total).toBe(4500);
  });

  it("a grandfathered version moves nothing; a row recorded at it is billed at it", () => {
    const c = computeCharges({
      intervals: [
        iv("r1", "2026-04-01T00:00:00Z", null),
        iv("r2", "2026-04-16T00:00:00Z", null, { price_version: 2 }),
      ],
      prices: book(null),
      ...APRIL,
      openUntil: APRIL.to,
    });
    expect(c.lines.map((l) => [l.price_version, l.amount])).toEqual([
      [1, 3000],
      [2, 3000],
    ]);
  });
});
