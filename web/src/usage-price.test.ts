import { describe, expect, it } from "vitest";
import type { Preview } from "./api";
import {
  describePrice,
  describeUsagePrice,
  readSku,
  skuAtVersion,
  usagePricingOfPreview,
} from "./catalog";
import { formatMoney, formatUnitAmount } from "./money";

// Metered prices as the console describes them: from the catalog's SKUs (GET /v1/resource-types)
// and from the price preview's usage_price, alike, amounts exact from their decimal text.

const metered = (fields: object, unit?: object) =>
  readSku({
    sku: "runs",
    billing_model: "metered",
    interval: "month",
    currency: "usd",
    unit_amount: null,
    version: 1,
    versions: [],
    scheduled_change: null,
    meter: { event_name: "flow_runs", name: "Flow runs", aggregation: "sum", ...unit },
    ...fields,
  });

describe("metered prices in words", () => {
  it("shows a fraction of a cent from its decimal text, per named unit", () => {
    expect(
      describePrice(
        metered({ unit_amount_decimal: "0.002" }, { unit_name: "request", unit_name_plural: null }),
      ),
    ).toBe("$0.00002 per request");
    expect(describePrice(metered({ unit_amount: 2 }, { unit_name: "run" }))).toBe("$0.02 per run");
    // No unit name in the catalog: a unit.
    expect(describePrice(metered({ unit_amount: 2 }))).toBe("$0.02 per unit");
  });

  it("prices a package by its size, and each tier after the first by its range", () => {
    const unit = { unit_name: "run", unit_name_plural: "runs" };
    expect(describePrice(metered({ unit_amount: 500, package_size: 1000 }, unit))).toBe(
      "$5.00 per 1,000 runs",
    );
    expect(
      describePrice(
        metered(
          {
            tiers_mode: "graduated",
            tiers: [
              { up_to: 1000, unit_amount: 2 },
              { up_to: null, unit_amount: 1 },
            ],
          },
          unit,
        ),
      ),
    ).toBe("tiered: first 1,000 runs $0.02 per run, then $0.01");
    expect(
      describePrice(
        metered(
          {
            tiers_mode: "graduated",
            tiers: [
              { up_to: 1000, unit_amount: 3 },
              { up_to: 10000, unit_amount: 2, flat_amount: 500 },
              { up_to: null, unit_amount: 1 },
            ],
          },
          unit,
        ),
      ),
    ).toBe("tiered: first 1,000 runs $0.03 per run, next 9,000 $0.02 plus $5.00, then $0.01");
    expect(
      describePrice(
        metered(
          {
            tiers_mode: "volume",
            tiers: [
              { up_to: 5, unit_amount: 1000 },
              { up_to: null, unit_amount: 800 },
            ],
          },
          { unit_name: "seat" },
        ),
      ),
    ).toBe(
      "volume: up to 5 seats $10.00 per seat, then $8.00; the month's total sets one price for all seats",
    );
  });

  it("describes an earlier version by that version's own fields", () => {
    const sku = {
      ...metered({ unit_amount_decimal: "0.002" }, { unit_name: "request" }),
      versions: [{ version: 1, billing_model: "metered" as const, unit_amount: 1 }],
    };
    expect(describePrice(skuAtVersion(sku, 1))).toBe("$0.01 per request");
  });

  it("reads the price preview's usage_price the same way", () => {
    const usage: NonNullable<Preview["usage_price"]> = {
      meter: {
        event_name: "api_calls",
        name: "API calls",
        aggregation: "count",
        property: null,
        unit_name: "request",
        unit_name_plural: "requests",
      },
      scheme: "per_unit",
      unit_amount_decimal: "0.002",
      package_size: null,
      tiers_mode: null,
      tiers: null,
      description: "0.00002 USD per unit of API calls (events in the month), billed each month",
    };
    expect(describeUsagePrice({ usage: usagePricingOfPreview(usage), currency: "usd" })).toBe(
      "$0.00002 per request",
    );
  });

  it("keeps every digit of a decimal unit amount, with the currency's digits at least", () => {
    expect(formatUnitAmount("0.0000001", "usd")).toBe("$0.000000001");
    expect(formatUnitAmount("12345678901234567.5", "usd")).toBe("$123,456,789,012,345.675");
    expect(formatUnitAmount("0.5", "jpy")).toBe("¥0.5");
    // Integral minor units read exactly as formatMoney shows them (ISO digits: KWD has 3).
    expect(formatUnitAmount("1", "kwd")).toBe(formatMoney(1, "kwd"));
    expect(formatUnitAmount("12", "isk")).toBe(formatMoney(12, "isk"));
    expect(formatUnitAmount("1e3", "usd")).toBe("—");
  });
});
