import { describe, expect, it } from "vitest";
import { AppError } from "../../../src/domain/errors.js";
import { type Price, periodAmount, priceKey, validatePrice } from "../../../src/domain/pricing.js";

// Stripe's documented "Typographic" tiers: 1-5 at 7 USD, 6-10 at 6.50 USD, 11+ at 6 USD.
const typographicTiers = [
  { up_to: 5, unit_amount: 700 },
  { up_to: 10, unit_amount: 650 },
  { up_to: null, unit_amount: 600 },
];

function tiered(mode: "graduated" | "volume", tiers: Price["tiers"]): Price {
  return {
    resource_type: "font",
    sku: "std",
    billing_model: "tiered",
    currency: "usd",
    interval: "month",
    unit_amount: null,
    tiers_mode: mode,
    tiers,
  };
}

const amount = (price: Price, quantity: number) => periodAmount({ price, quantity });

describe("priceKey", () => {
  it("joins type and sku", () => {
    expect(priceKey({ resource_type: "vm", sku: "small" })).toBe("vm/small");
  });
});

describe("periodAmount, volume tiers (Stripe's table)", () => {
  const price = tiered("volume", typographicTiers);
  it.each([
    [1, 700],
    [5, 3500],
    [6, 3900],
    [10, 6500],
    [11, 6600],
    [20, 12000],
    [25, 15000],
  ])("%i units cost %i", (q, expected) => {
    expect(amount(price, q)).toBe(expected);
  });

  it("can cost less for more units, as Stripe warns", () => {
    const cheaper = tiered("volume", [
      { up_to: 10, unit_amount: 1000 },
      { up_to: null, unit_amount: 500 },
    ]);
    expect(amount(cheaper, 10)).toBe(10000);
    expect(amount(cheaper, 11)).toBe(5500);
  });
});

describe("periodAmount, graduated tiers (Stripe's table)", () => {
  const price = tiered("graduated", typographicTiers);
  it.each([
    [1, 700],
    [5, 3500],
    [6, 4150], // 5×7 + 1×6.50
    [10, 6750], // 5×7 + 5×6.50
    [11, 7350], // … + 1×6
    [20, 12750],
    [25, 15750],
  ])("%i units cost %i", (q, expected) => {
    expect(amount(price, q)).toBe(expected);
  });
});

describe("periodAmount with flat amounts", () => {
  // A base fee of 10.00 covering the first two units, then 3.00 each plus a 5.00 step fee.
  const tiers = [
    { up_to: 2, unit_amount: 0, flat_amount: 1000 },
    { up_to: null, unit_amount: 300, flat_amount: 500 },
  ];

  it("graduated adds the flat amount of every tier reached", () => {
    const price = tiered("graduated", tiers);
    expect(amount(price, 1)).toBe(1000);
    expect(amount(price, 2)).toBe(1000);
    expect(amount(price, 3)).toBe(1000 + 300 + 500);
    expect(amount(price, 5)).toBe(1000 + 900 + 500);
  });

  it("volume adds only the flat amount of the tier the total falls in", () => {
    const price = tiered("volume", tiers);
    expect(amount(price, 2)).toBe(1000);
    expect(amount(price, 3)).toBe(900 + 500);
    expect(amount(price, 5)).toBe(1500 + 500);
  });

  it("charges nothing, not even a flat fee, for zero units", () => {
    expect(amount(tiered("graduated", tiers), 0)).toBe(0);
    expect(amount(tiered("volume", tiers), 0)).toBe(0);
  });
});

describe("periodAmount, other models", () => {
  const base = { resource_type: "vm", sku: "s", currency: "usd", interval: "month" } as const;
  it("per_unit multiplies", () => {
    const price: Price = { ...base, billing_model: "per_unit", unit_amount: 1999 };
    expect(amount(price, 3)).toBe(5997);
    expect(amount(price, 0)).toBe(0);
  });

  it("free and metered cost nothing per period", () => {
    expect(amount({ ...base, billing_model: "free", unit_amount: null }, 4)).toBe(0);
    const metered: Price = {
      ...base,
      billing_model: "metered",
      unit_amount: 5,
      meter: { event_name: "api_calls" },
    };
    expect(amount(metered, 4)).toBe(0);
  });

  it("refuses fractional or negative quantities and overflowing totals", () => {
    const price: Price = { ...base, billing_model: "per_unit", unit_amount: 1000 };
    expect(() => amount(price, 1.5)).toThrowError(AppError);
    expect(() => amount(price, -1)).toThrowError(AppError);
    expect(() => amount(price, Number.MAX_SAFE_INTEGER)).toThrowError(AppError);
  });
});

describe("validatePrice", () => {
  const perUnit = {
    resource_type: "vm",
    sku: "small",
    billing_model: "per_unit",
    currency: "USD",
    interval: "month",
    unit_amount: 1500,
    extra: "dropped",
  };

  function fieldOf(input: unknown): string | undefined {
    try {
      validatePrice(input);
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).code).toBe("validation_failed");
      return (e as AppError).field;
    }
    throw new Error("expected validatePrice to throw");
  }

  it("accepts a per_unit price, lowercases the currency and drops unknown keys", () => {
    expect(validatePrice(perUnit)).toEqual({
      resource_type: "vm",
      sku: "small",
      billing_model: "per_unit",
      currency: "usd",
      interval: "month",
      unit_amount: 1500,
    });
  });

  it("accepts tiered, free and metered prices", () => {
    const t = validatePrice({
      ...perUnit,
      billing_model: "tiered",
      unit_amount: null,
      tiers_mode: "graduated",
      tiers: [
        { up_to: 5, unit_amount: 700, flat_amount: 100 },
        { up_to: null, unit_amount: 600 },
      ],
    });
    expect(t.tiers).toEqual([
      { up_to: 5, unit_amount: 700, flat_amount: 100 },
      { up_to: null, unit_amount: 600 },
    ]);
    expect(
      validatePrice({ ...perUnit, billing_model: "free", unit_amount: null }).unit_amount,
    ).toBe(null);
    const m = validatePrice({
      ...perUnit,
      billing_model: "metered",
      meter: { event_name: "calls" },
    });
    expect(m.meter).toEqual({ event_name: "calls" });
  });

  it("names the field at fault", () => {
    expect(fieldOf(null)).toBeUndefined();
    expect(fieldOf({ ...perUnit, resource_type: "" })).toBe("resource_type");
    expect(fieldOf({ ...perUnit, sku: 3 })).toBe("sku");
    expect(fieldOf({ ...perUnit, billing_model: "seat" })).toBe("billing_model");
    expect(fieldOf({ ...perUnit, currency: "usx" })).toBe("currency");
    expect(fieldOf({ ...perUnit, interval: "year" })).toBe("interval");
    expect(fieldOf({ ...perUnit, unit_amount: null })).toBe("unit_amount");
    expect(fieldOf({ ...perUnit, unit_amount: 12.5 })).toBe("unit_amount");
    expect(fieldOf({ ...perUnit, unit_amount: -1 })).toBe("unit_amount");
    expect(fieldOf({ ...perUnit, tiers: [] })).toBe("tiers");
    expect(fieldOf({ ...perUnit, billing_model: "free" })).toBe("unit_amount");
    expect(fieldOf({ ...perUnit, billing_model: "metered" })).toBe("meter");
    expect(fieldOf({ ...perUnit, billing_model: "metered", meter: { event_name: "" } })).toBe(
      "meter.event_name",
    );
    expect(fieldOf({ ...perUnit, stripe_price_id: "" })).toBe("stripe_price_id");
  });

  it("checks tiers: mode, ascending bounds, open last tier, integer amounts", () => {
    const t = { ...perUnit, billing_model: "tiered", unit_amount: null, tiers_mode: "volume" };
    const ok = { up_to: null, unit_amount: 1 };
    expect(fieldOf({ ...t, tiers_mode: "stairs", tiers: [ok] })).toBe("tiers_mode");
    expect(fieldOf({ ...t, tiers: [] })).toBe("tiers");
    expect(fieldOf({ ...t, tiers: [{ up_to: 5, unit_amount: 1 }] })).toBe("tiers.0.up_to");
    expect(
      fieldOf({ ...t, tiers: [{ up_to: 5, unit_amount: 1 }, { up_to: 5, unit_amount: 1 }, ok] }),
    ).toBe("tiers.1.up_to");
    expect(fieldOf({ ...t, tiers: [{ up_to: 0, unit_amount: 1 }, ok] })).toBe("tiers.0.up_to");
    expect(fieldOf({ ...t, tiers: [{ up_to: null, unit_amount: 1 }, ok] })).toBe("tiers.0.up_to");
    expect(fieldOf({ ...t, tiers: [{ up_to: 3, unit_amount: 0.5 }, ok] })).toBe(
      "tiers.0.unit_amount",
    );
    expect(fieldOf({ ...t, tiers: [{ up_to: 3, unit_amount: 1, flat_amount: -5 }, ok] })).toBe(
      "tiers.0.flat_amount",
    );
    expect(fieldOf({ ...t, tiers: [ok], unit_amount: 5 })).toBe("unit_amount");
  });
});
