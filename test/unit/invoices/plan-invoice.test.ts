import { describe, expect, it } from "vitest";
import type { LedgerInterval } from "../../../src/domain/charges.js";
import { priceBookOf } from "../../../src/domain/price-versions.js";
import type { Price } from "../../../src/domain/pricing.js";
import { invoiceNumber, invoicePrefix } from "../../../src/invoices/finalize-invoice.js";
import { planInvoice } from "../../../src/invoices/plan-invoice.js";

const d = (iso: string) => new Date(iso);
const APRIL = { start: d("2026-04-01T00:00:00Z"), end: d("2026-05-01T00:00:00Z") }; // 30 days

const vm: Price = {
  resource_type: "vm",
  sku: "small",
  billing_model: "per_unit",
  currency: "usd",
  interval: "month",
  unit_amount: 1000,
};
const free: Price = { ...vm, sku: "free", billing_model: "free", unit_amount: null };
const disk: Price = {
  resource_type: "disk",
  sku: "ssd",
  billing_model: "tiered",
  tiers_mode: "graduated",
  tiers: [
    { up_to: 1, unit_amount: 700 },
    { up_to: null, unit_amount: 300, flat_amount: 11 },
  ],
  currency: "usd",
  interval: "month",
  unit_amount: null,
};
const prices = priceBookOf([vm, free, disk]);
const typeNames = new Map([["vm", "Virtual machine"]]);

function iv(
  resource_id: string,
  price: Price,
  started_at: string,
  ended_at: string | null,
  extra: Partial<LedgerInterval> = {},
): LedgerInterval {
  return {
    resource_id,
    project_id: "p1",
    billing_account_id: "a1",
    resource_type: price.resource_type,
    sku: price.sku,
    price_version: 1,
    started_at: d(started_at),
    ended_at: ended_at === null ? null : d(ended_at),
    ...extra,
  };
}

const plan = (intervals: LedgerInterval[]) =>
  planInvoice({
    billingAccountId: "a1",
    currency: "usd",
    period: APRIL,
    intervals,
    usage: [],
    prices,
    typeNames,
  });

describe("planning an invoice for a closed period", () => {
  it("prorates each line by the second, freezes its price, and splits it exactly over resources and projects", () => {
    const result = plan([
      // A third of April, then moved to another project (the same resource: two shares).
      iv("r1", vm, "2026-03-20T00:00:00Z", "2026-04-11T00:00:00Z"),
      iv("r1", vm, "2026-04-11T00:00:00Z", null, { project_id: "p2" }),
      iv("r2", vm, "2026-04-16T00:00:00Z", "2026-04-21T00:00:00Z"),
      iv("r3", disk, "2026-04-01T00:00:00Z", null),
      iv("r4", disk, "2026-04-10T07:13:00Z", "2026-04-29T00:00:01Z"),
      // Another account's interval is not on this invoice.
      iv("r9", vm, "2026-04-01T00:00:00Z", null, { billing_account_id: "a2" }),
    ]);
    if (!result) throw new Error("expected an invoice");
    expect(result.lines.map((l) => [l.line_no, l.resource_type, l.sku, l.quantity])).toEqual([
      [1, "disk", "ssd", 1],
      [2, "vm", "small", 1],
    ]);
    const vmLine = result.lines[1];
    // r1 the whole month (1,000) + r2 five days (166.67): 1,167 rounded once.
    expect(vmLine?.amount).toBe(1167);
    expect(vmLine?.description).toBe("Virtual machine (small)");
    expect(vmLine?.price).toEqual(vm);
    expect(vmLine?.period).toEqual(APRIL);
    expect(vmLine?.shares).toEqual([
      { resource_id: "r1", project_id: "p1", amount: 333 },
      { resource_id: "r1", project_id: "p2", amount: 667 },
      { resource_id: "r2", project_id: "p1", amount: 167 },
    ]);
    expect(result.lines[0]?.description).toBe("disk (ssd)");
    for (const line of result.lines) {
      expect(line.shares.reduce((t, s) => t + s.amount, 0)).toBe(line.amount);
    }
    expect(result.total).toBe(result.lines.reduce((t, l) => t + l.amount, 0));
  });

  it("gives no invoice to an account on which nothing ran, and a zero one when all ran free", () => {
    expect(plan([])).toBeNull();
    expect(plan([iv("r1", vm, "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")])).toBeNull();
    expect(plan([iv("r1", vm, "2026-05-01T00:00:00Z", null)])).toBeNull();
    const freeOnly = plan([iv("r1", free, "2026-04-03T00:00:00Z", null)]);
    expect(freeOnly?.total).toBe(0);
    expect(freeOnly?.lines.map((l) => [l.sku, l.amount, l.quantity])).toEqual([["free", 0, 1]]);
  });
});

describe("invoice numbers", () => {
  it("carry a stable 8-character prefix per account and a zero-padded sequence", () => {
    expect(invoicePrefix("ba_one")).toMatch(/^[0-9A-HJKMNP-TV-Z]{8}$/);
    expect(invoicePrefix("ba_one")).toBe(invoicePrefix("ba_one"));
    expect(invoicePrefix("ba_one")).not.toBe(invoicePrefix("ba_two"));
    expect(invoiceNumber({ billingAccountId: "ba_one", sequence: 7 })).toBe(
      `${invoicePrefix("ba_one")}-0007`,
    );
    expect(invoiceNumber({ billingAccountId: "ba_one", sequence: 12345 })).toMatch(/-12345$/);
  });
});
