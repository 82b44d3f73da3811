import { describe, expect, it } from "vitest";
import { problemFrom } from "./api";
import { describePrice } from "./catalog";
import { costsCsv } from "./csv";
import { monthRange } from "./pages/costs";
import { matchPath } from "./router";

describe("router", () => {
  it("matches params and rejects other shapes", () => {
    expect(matchPath("/projects/:id/billing", "/projects/p_1/billing")).toEqual({ id: "p_1" });
    expect(matchPath("/projects/:id", "/projects/p_1/billing")).toBeNull();
    expect(matchPath("/", "/")).toEqual({});
    expect(matchPath("/projects/new", "/projects/abc")).toBeNull();
  });
});

describe("problem+json", () => {
  it("keeps detail and field, never the raw body", async () => {
    const res = new Response(
      JSON.stringify({
        type: "about:blank",
        title: "Unprocessable",
        status: 422,
        code: "organization_required",
        detail: "Choose the organization for this project.",
        field: "organization_id",
      }),
      { status: 422, headers: { "content-type": "application/problem+json" } },
    );
    const error = await problemFrom(res);
    expect(error.message).toBe("Choose the organization for this project.");
    expect(error.field).toBe("organization_id");
    expect(error.code).toBe("organization_required");
  });
  it("turns a non-JSON failure into a sentence", async () => {
    const error = await problemFrom(new Response("<html>Bad gateway</html>", { status: 502 }));
    expect(error.message).toMatch(/server ran into a problem/);
    expect(error.message).not.toContain("<html>");
  });
});

describe("catalog prices", () => {
  it("describes each billing model", () => {
    const base = { sku: "s", interval: "month", currency: "usd", unit_amount: 9900 };
    expect(describePrice({ ...base, billing_model: "free", unit_amount: 0 })).toBe("Free");
    expect(describePrice({ ...base, billing_model: "per_unit" })).toBe("$99.00 / month");
    expect(
      describePrice({
        ...base,
        billing_model: "tiered",
        tiers_mode: "volume",
        unit_amount: null,
        tiers: [
          { up_to: 5, unit_amount: 2000 },
          { up_to: null, unit_amount: 1500 },
        ],
      }),
    ).toBe("Volume tiers: $20.00 each up to 5, $15.00 each beyond / month");
    expect(describePrice({ ...base, billing_model: "metered", unit_amount: 2 })).toBe(
      "$0.02 per unit used, billed each month",
    );
  });
});

describe("cost CSV", () => {
  it("has a row per group plus the total, quoting names", () => {
    const csv = costsCsv(
      {
        currency: "usd",
        from: "2026-11-01T00:00:00Z",
        to: "2026-12-01T00:00:00Z",
        total: 1500,
        projected_total: 9900,
        groups: [
          { key: "p1", name: "Web, prod", amount: 1000, projected_amount: 6600 },
          { key: "p2", name: 'The "api"', amount: 500, projected_amount: 3300 },
        ],
      },
      "project",
    );
    expect(csv.trim().split("\r\n")).toEqual([
      "group_by,key,name,amount,projected_amount,currency",
      'project,p1,"Web, prod",10.00,66.00,USD',
      'project,p2,"The ""api""",5.00,33.00,USD',
      "project,,Total,15.00,99.00,USD",
    ]);
  });
});

describe("month range", () => {
  it("is the calendar month in UTC, end exclusive", () => {
    expect(monthRange("2026-12")).toEqual({
      from: "2026-12-01T00:00:00.000Z",
      to: "2027-01-01T00:00:00.000Z",
    });
  });
});
