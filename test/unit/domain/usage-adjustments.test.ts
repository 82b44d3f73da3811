import { describe, expect, it } from "vitest";
import { calendarMonthOf } from "../../../src/domain/billing-period.js";
import { computeMeteredCharges, type MeteredUsage } from "../../../src/domain/metered-charges.js";
import { priceBookOf } from "../../../src/domain/price-versions.js";
import { validatePrice } from "../../../src/domain/pricing.js";
import {
  computeUsageAdjustments,
  type InvoicedMeteredLine,
} from "../../../src/domain/usage-adjustments.js";

// Graduated: the first 10 at 100, the rest at 50.
const jobs = validatePrice({
  resource_type: "batch",
  sku: "jobs",
  billing_model: "metered",
  currency: "usd",
  tiers_mode: "graduated",
  tiers: [
    { up_to: 10, unit_amount: 100 },
    { up_to: null, unit_amount: 50 },
  ],
  meter: { event_name: "jobs" },
});
const prices = priceBookOf([jobs]);
const october = calendarMonthOf(new Date("2026-10-15T00:00:00Z"));

const usage = (resource_id: string, project_id: string, quantity: string): MeteredUsage => ({
  resource_id,
  project_id,
  billing_account_id: "a1",
  resource_type: "batch",
  sku: "jobs",
  price_version: 1,
  period: october,
  quantity,
});
const charges = (list: MeteredUsage[]) => computeMeteredCharges({ usage: list, prices });
/** What an invoice froze from `charges`, as the adjustment reads it back. */
const invoiced = (list: MeteredUsage[]): InvoicedMeteredLine[] => {
  const c = charges(list);
  return c.lines.map((line) => ({
    ...line,
    shares: c.shares.map((s) => ({
      resource_id: s.resource_id,
      project_id: s.project_id,
      amount: s.amount,
    })),
  }));
};

describe("computeUsageAdjustments", () => {
  it("bills the recomputed tiers minus what was invoiced, not the late usage's own price", () => {
    const before = [usage("r1", "p1", "6"), usage("r2", "p2", "2")];
    const after = [usage("r1", "p1", "11"), usage("r2", "p2", "2")];
    const [adjustment, ...rest] = computeUsageAdjustments({
      period: october,
      recomputed: charges(after),
      invoiced: invoiced(before),
    });
    expect(rest).toEqual([]);
    // 8 → 13: 800 → 10 × 100 + 3 × 50 = 1,150.
    expect(adjustment).toMatchObject({
      invoiced_amount: 800,
      recomputed_amount: 1150,
      amount: 350,
      usage_quantity: "13",
      period: october,
    });
    // Shares are recomputed shares minus invoiced ones: r2's fell as r1's usage grew.
    const shares = adjustment?.shares ?? [];
    expect(shares.reduce((s, x) => s + x.amount, 0)).toBe(350);
    const r2 = shares.find((s) => s.resource_id === "r2")?.amount ?? 0;
    expect(r2).toBeLessThan(0);
  });

  it("adds earlier adjustments to what was invoiced, and yields nothing once they match", () => {
    const before = [usage("r1", "p1", "8")];
    const after = [usage("r1", "p1", "13")];
    const first = computeUsageAdjustments({
      period: october,
      recomputed: charges(after),
      invoiced: invoiced(before),
    });
    expect(first.map((a) => a.amount)).toEqual([350]);
    const again = computeUsageAdjustments({
      period: october,
      recomputed: charges(after),
      invoiced: [...invoiced(before), ...first],
    });
    expect(again).toEqual([]);
    // A void back to 8 returns exactly what the adjustment added.
    const voided = computeUsageAdjustments({
      period: october,
      recomputed: charges(before),
      invoiced: [...invoiced(before), ...first],
    });
    expect(voided.map((a) => [a.amount, a.shares])).toEqual([
      [-350, [{ resource_id: "r1", project_id: "p1", amount: -350 }]],
    ]);
  });
});
