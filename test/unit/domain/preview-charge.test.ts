import { describe, expect, it } from "vitest";
import { previewCharge } from "../../../src/domain/preview-charge.js";
import type { Price } from "../../../src/domain/pricing.js";

const vm: Price = {
  resource_type: "vm",
  sku: "small",
  billing_model: "per_unit",
  currency: "usd",
  interval: "month",
  unit_amount: 3000,
};

describe("previewCharge", () => {
  it("charges the full month at the first second of the month", () => {
    const p = previewCharge({
      price: vm,
      currentQuantity: 0,
      at: new Date("2026-04-01T00:00:00Z"),
    });
    expect(p).toEqual({
      monthly_amount: 3000,
      prorated_amount: 3000,
      period: { start: new Date("2026-04-01T00:00:00Z"), end: new Date("2026-05-01T00:00:00Z") },
    });
  });

  it("charges half in the middle of a 30-day month", () => {
    const p = previewCharge({
      price: vm,
      currentQuantity: 7,
      at: new Date("2026-04-16T00:00:00Z"),
    });
    expect(p.monthly_amount).toBe(3000);
    expect(p.prorated_amount).toBe(1500);
  });

  it("rounds the prorated amount once, half away from zero", () => {
    // 1 cent a month, 15 of 30 days left: 0.5 cent rounds up to 1.
    const cent = { ...vm, unit_amount: 1 };
    expect(
      previewCharge({ price: cent, currentQuantity: 0, at: new Date("2026-04-16T00:00:00Z") })
        .prorated_amount,
    ).toBe(1);
    // 10 of 30 days left of 1.00: 33.33… cents → 33.
    const dollar = { ...vm, unit_amount: 100 };
    expect(
      previewCharge({ price: dollar, currentQuantity: 0, at: new Date("2026-04-21T00:00:00Z") })
        .prorated_amount,
    ).toBe(33);
  });

  it("prorates by whole seconds: 1 second before the end, milliseconds ignored", () => {
    const p = previewCharge({
      price: vm,
      currentQuantity: 0,
      at: new Date("2026-04-30T23:59:59.900Z"),
    });
    // 3000 × 1 / 2,592,000 is far below half a cent.
    expect(p.prorated_amount).toBe(0);
  });

  it("uses the marginal tier amount for the next unit", () => {
    const graduated: Price = {
      ...vm,
      billing_model: "tiered",
      unit_amount: null,
      tiers_mode: "graduated",
      tiers: [
        { up_to: 5, unit_amount: 700 },
        { up_to: null, unit_amount: 600, flat_amount: 1000 },
      ],
    };
    const at = new Date("2026-04-01T00:00:00Z");
    expect(previewCharge({ price: graduated, currentQuantity: 4, at }).monthly_amount).toBe(700);
    // The 6th unit enters the second tier and brings its flat amount along.
    expect(previewCharge({ price: graduated, currentQuantity: 5, at }).monthly_amount).toBe(1600);
    expect(previewCharge({ price: graduated, currentQuantity: 6, at }).monthly_amount).toBe(600);
  });

  it("can be a credit with volume tiers", () => {
    const volume: Price = {
      ...vm,
      billing_model: "tiered",
      unit_amount: null,
      tiers_mode: "volume",
      tiers: [
        { up_to: 10, unit_amount: 1000 },
        { up_to: null, unit_amount: 500 },
      ],
    };
    const p = previewCharge({
      price: volume,
      currentQuantity: 10,
      at: new Date("2026-04-16T00:00:00Z"),
    });
    expect(p.monthly_amount).toBe(5500 - 10000);
    expect(p.prorated_amount).toBe(-2250);
  });
});
