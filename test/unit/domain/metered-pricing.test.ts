import { describe, expect, it } from "vitest";
import { AppError } from "../../../src/domain/errors.js";
import {
  MAX_METERED_QUANTITY,
  meteredAmount,
  type Price,
  validatePrice,
} from "../../../src/domain/pricing.js";
import {
  decimalText,
  parseDecimal,
  type Rational,
  rational,
  roundHalfUp,
} from "../../../src/domain/rational.js";

const base = {
  resource_type: "flow",
  sku: "runs",
  billing_model: "metered",
  currency: "usd",
  meter: { event_name: "flow_runs" },
};

const price = (fields: Record<string, unknown>): Price => validatePrice({ ...base, ...fields });
const dec = (text: string): Rational => parseDecimal(text) as Rational;
const amount = (p: Price, quantity: string) =>
  decimalText(meteredAmount({ price: p, quantity: dec(quantity) }));

function fieldOf(fields: Record<string, unknown>): string | undefined {
  try {
    price(fields);
  } catch (error) {
    if (error instanceof AppError) return error.field;
    throw error;
  }
  return "accepted";
}

describe("metered per_unit", () => {
  it("multiplies the aggregate by an integer unit price", () => {
    expect(amount(price({ unit_amount: 2 }), "1234")).toBe("2468");
    expect(amount(price({ unit_amount: 2 }), "1.5")).toBe("3");
  });

  it("keeps a fraction of a minor unit exact until the line rounds once", () => {
    // $0.00002 per request = 0.002 cents; 0.1 + 0.2 style sums never pass through a float.
    const p = price({ unit_amount_decimal: "0.002" });
    expect(amount(p, "1")).toBe("0.002");
    expect(amount(p, "250")).toBe("0.5");
    expect(roundHalfUp(meteredAmount({ price: p, quantity: rational(250) }))).toBe(1);
    expect(roundHalfUp(meteredAmount({ price: p, quantity: rational(249) }))).toBe(0);
    expect(amount(p, "1000000")).toBe("2000");
    expect(p.unit_amount).toBeNull();
    expect(price({ unit_amount_decimal: "0.0020" }).unit_amount_decimal).toBe("0.002");
  });
});

describe("metered tiers over the period's aggregate", () => {
  const tiers = [
    { up_to: 1000, unit_amount: 0 },
    { up_to: 10000, unit_amount: 2, flat_amount: 100 },
    { up_to: null, unit_amount: 1 },
  ];
  const graduated = price({ tiers_mode: "graduated", tiers });
  const volume = price({ tiers_mode: "volume", tiers });

  it.each([
    // quantity, graduated (first 1000 free, then 2 each + 100 once the tier is reached, then 1), volume
    ["0", "0", "0"],
    ["500", "0", "0"],
    ["1000", "0", "0"],
    ["1001", "102", "2102"],
    ["10000", "18100", "20100"],
    ["10001", "18101", "10001"],
    ["1000.5", "101", "2101"],
  ])("%s units: graduated %s, volume %s", (q, g, v) => {
    expect(amount(graduated, q)).toBe(g);
    expect(amount(volume, q)).toBe(v);
  });
});

describe("metered packages", () => {
  const p = price({ unit_amount: 500, package_size: 1000 });
  it.each([
    ["0", "0"],
    ["1", "500"],
    ["1000", "500"],
    ["1000.001", "1000"],
    ["2500", "1500"],
  ])("%s units cost %s (a started package is whole)", (q, expected) => {
    expect(amount(p, q)).toBe(expected);
  });
});

describe("the catalog refuses what it does not honour, naming the field", () => {
  it.each([
    [{ unit_amount: 2, unit_amount_decimal: "2" }, "unit_amount_decimal"],
    [{ unit_amount_decimal: "-1" }, "unit_amount_decimal"],
    [{ unit_amount_decimal: 0.002 }, "unit_amount_decimal"],
    [{ unit_amount_decimal: "1e-3" }, "unit_amount_decimal"],
    [{ unit_amount_decimal: "0.0000000000001" }, "unit_amount_decimal"],
    [{ unit_amount: 2, package_size: 0 }, "package_size"],
    [{ unit_amount: 2, package_size: 1.5 }, "package_size"],
    [{ unit_amount: 2, transform_quantity: { divide_by: 10, round: "up" } }, "transform_quantity"],
    [
      { tiers_mode: "volume", tiers: [{ up_to: null, unit_amount: 1 }], unit_amount: 2 },
      "unit_amount",
    ],
    [{ tiers: [{ up_to: null, unit_amount: 1 }] }, "tiers_mode"],
    [{ unit_amount: 2, tiers_mode: "volume" }, "tiers_mode"],
    [{ unit_amount: 2, meter: undefined }, "meter"],
    [{}, "unit_amount"],
    // 2^53 at MAX_METERED_QUANTITY: 90,072 minor units a unit is one too many.
    [{ unit_amount: 90_072 }, "unit_amount"],
    [{ unit_amount_decimal: "90072" }, "unit_amount_decimal"],
    [{ tiers_mode: "volume", tiers: [{ up_to: null, unit_amount: 90_072 }] }, "tiers"],
  ])("%j → %s", (fields, field) => {
    expect(fieldOf(fields)).toBe(field);
  });

  it("refuses metered-only fields on a licensed price", () => {
    expect(
      fieldOf({ billing_model: "per_unit", unit_amount: 2, meter: undefined, package_size: 10 }),
    ).toBe("package_size");
    expect(fieldOf({ billing_model: "per_unit", unit_amount_decimal: "2", meter: undefined })).toBe(
      "unit_amount_decimal",
    );
  });

  it("accepts the largest amounts that stay exact", () => {
    expect(fieldOf({ unit_amount: 90_071 })).toBe("accepted");
    const most = meteredAmount({
      price: price({ unit_amount: 90_071 }),
      quantity: rational(MAX_METERED_QUANTITY),
    });
    expect(most.num <= BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(fieldOf({ unit_amount: 2, billing_scheme: "per_unit", usage_type: "metered" })).toBe(
      "accepted",
    );
    expect(
      fieldOf({
        tiers_mode: "graduated",
        billing_scheme: "tiered",
        tiers: [{ up_to: null, unit_amount: 1 }],
      }),
    ).toBe("accepted");
  });
});
