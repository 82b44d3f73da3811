import { describe, expect, it } from "vitest";
import { calendarMonthOf } from "../../../src/domain/billing-period.js";
import { computeMeteredCharges, type MeteredUsage } from "../../../src/domain/metered-charges.js";
import { formatUnitPrice, usagePrice } from "../../../src/domain/preview-charge.js";
import { priceBookOf } from "../../../src/domain/price-versions.js";
import { validatePrice } from "../../../src/domain/pricing.js";
import { parseDecimal, type Rational } from "../../../src/domain/rational.js";

const perRequest = validatePrice({
  resource_type: "api",
  sku: "calls",
  billing_model: "metered",
  currency: "usd",
  unit_amount_decimal: "0.3",
  meter: { event_name: "api_calls" },
});
const october = calendarMonthOf(new Date("2026-10-15T00:00:00Z"));
const november = calendarMonthOf(new Date("2026-11-15T00:00:00Z"));

function usage(
  resource_id: string,
  quantity: string,
  extra: Partial<MeteredUsage> = {},
): MeteredUsage {
  return {
    resource_id,
    project_id: "p1",
    billing_account_id: "a1",
    resource_type: "api",
    sku: "calls",
    price_version: 1,
    period: october,
    quantity,
    ...extra,
  };
}

describe("computeMeteredCharges", () => {
  const prices = priceBookOf([perRequest]);

  it("prices the line's summed usage once and splits it exactly by each resource's usage", () => {
    // 1 + 1 + 1 calls at 0.3: each resource's own line would round 0.3 to 0; the line is 0.9 → 1.
    const c = computeMeteredCharges({
      usage: [usage("r1", "1"), usage("r2", "1"), usage("r3", "1")],
      prices,
    });
    expect(c.lines).toHaveLength(1);
    expect(c.lines[0]).toMatchObject({ amount: 1, usage_quantity: "3", quantity_at_end: 3 });
    expect(c.shares.map((s) => [s.resource_id, s.amount])).toEqual([
      ["r1", 1],
      ["r2", 0],
      ["r3", 0],
    ]);
    expect(c.total).toBe(1);
  });

  it("keeps accounts, months and versions on lines of their own; zero usage is a zero line", () => {
    const c = computeMeteredCharges({
      usage: [
        usage("r1", "10.5"),
        usage("r1", "20", { period: november }),
        usage("r2", "7", { billing_account_id: "a2" }),
        usage("r3", "0"),
      ],
      prices,
    });
    expect(
      c.lines.map((l) => [
        l.billing_account_id,
        l.period.start.toISOString(),
        l.usage_quantity,
        l.amount,
      ]),
    ).toEqual([
      ["a1", "2026-10-01T00:00:00.000Z", "10.5", 3],
      ["a1", "2026-11-01T00:00:00.000Z", "20", 6],
      ["a2", "2026-10-01T00:00:00.000Z", "7", 2],
    ]);
    expect(c.shares.reduce((s, x) => s + x.amount, 0)).toBe(c.total);
    expect(c.shares.find((s) => s.resource_id === "r3")?.amount).toBe(0);
  });
});

describe("the usage price a preview shows", () => {
  const dec = (t: string) => parseDecimal(t) as Rational;
  it("formats fractions of a minor unit exactly, in major units", () => {
    expect(formatUnitPrice(dec("0.002"), "usd")).toBe("0.00002 USD");
    expect(formatUnitPrice(dec("2"), "usd")).toBe("0.02 USD");
    expect(formatUnitPrice(dec("150000"), "usd")).toBe("1,500.00 USD");
    expect(formatUnitPrice(dec("5"), "jpy")).toBe("5 JPY");
    expect(formatUnitPrice(dec("0.5"), "jpy")).toBe("0.5 JPY");
  });

  it("describes per-unit, package and tiered prices by their meter", () => {
    const meter = { event_name: "api_calls", name: "API calls", aggregation: "count" as const };
    expect(usagePrice({ price: perRequest, meter }).description).toBe(
      "0.003 USD per unit of API calls (events in the month), billed each month",
    );
    const packaged = validatePrice({
      ...perRequest,
      unit_amount_decimal: undefined,
      unit_amount: 500,
      package_size: 1000,
    });
    expect(usagePrice({ price: packaged, meter })).toMatchObject({
      scheme: "package",
      unit_amount_decimal: "500",
      package_size: 1000,
    });
    expect(usagePrice({ price: packaged, meter }).description).toContain(
      "5.00 USD per 1,000 of API calls",
    );
    const tiered = validatePrice({
      ...perRequest,
      unit_amount_decimal: undefined,
      tiers_mode: "graduated",
      tiers: [
        { up_to: 1000, unit_amount: 0 },
        { up_to: null, unit_amount: 1, flat_amount: 100 },
      ],
    });
    expect(usagePrice({ price: tiered, meter }).description).toContain(
      "up to 1,000: 0.00 USD each; above 1,000: 0.01 USD each + 1.00 USD",
    );
  });
});
