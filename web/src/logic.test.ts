import { describe, expect, it } from "vitest";
import { problemFrom } from "./api";
import {
  describePrice,
  describeScheduledChange,
  explainTieredDelta,
  type Sku,
  tieredTotal,
} from "./catalog";
import { costsCsv, csvCell } from "./csv";
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
      "$0.02 per unit",
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
        next_cursor: null,
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

describe("cost CSV against formula injection", () => {
  it("neutralises cells a spreadsheet would run, keeps negative amounts numbers", () => {
    expect(csvCell('=HYPERLINK("http://evil","x")')).toBe('"\'=HYPERLINK(""http://evil"",""x"")"');
    expect(csvCell("+1")).toBe("'+1");
    expect(csvCell("@sum")).toBe("'@sum");
    expect(csvCell("-cmd")).toBe("'-cmd");
    expect(csvCell("\tx")).toBe("'\tx");
    expect(csvCell("\rx")).toBe('"\'\rx"');
    expect(csvCell("-10.00")).toBe("-10.00");
    expect(csvCell("Website")).toBe("Website");
  });

  it("names the project and the deleted state of each resource", () => {
    const csv = costsCsv(
      {
        currency: "usd",
        from: "2026-11-01T00:00:00Z",
        to: "2026-12-01T00:00:00Z",
        total: 300,
        projected_total: 300,
        next_cursor: null,
        groups: [
          {
            key: "r1",
            name: "=cmd",
            amount: 300,
            projected_amount: 300,
            project_id: "p1",
            project_name: "Web",
            deleted: true,
          },
        ],
      },
      "resource",
    );
    expect(csv.trim().split("\r\n")).toEqual([
      "group_by,key,name,project_id,project_name,deleted,amount,projected_amount,currency",
      "resource,r1,'=cmd,p1,Web,yes,3.00,3.00,USD",
      "resource,,Total,,,,3.00,3.00,USD",
    ]);
  });
});

describe("tier effects in words", () => {
  const bucket: Sku = {
    sku: "standard",
    billing_model: "tiered",
    tiers_mode: "volume",
    unit_amount: null,
    interval: "month",
    currency: "usd",
    tiers: [
      { up_to: 5, unit_amount: 2000 },
      { up_to: null, unit_amount: 1500 },
    ],
  };
  it("explains why the 6th volume-priced bucket lowers the bill", () => {
    expect(tieredTotal(bucket, 5)).toBe(10000);
    expect(tieredTotal(bucket, 6)).toBe(9000);
    expect(explainTieredDelta(bucket, -1000, "storage bucket")).toBe(
      "Volume pricing: every storage bucket on this account is priced by how many there are. You have 5; adding this one moves all 6 to the $15.00 tier ($15.00 each instead of $20.00): your monthly bill goes down by $10.00, from $100.00 to $90.00.",
    );
    expect(explainTieredDelta(bucket, 2000, "storage bucket")).toContain("each costs $20.00");
  });
  it("explains graduated tiers and stays silent for flat prices", () => {
    const graduated: Sku = {
      ...bucket,
      tiers_mode: "graduated",
      tiers: [
        { up_to: 10, unit_amount: 500 },
        { up_to: null, unit_amount: 300 },
      ],
    };
    expect(tieredTotal(graduated, 12)).toBe(5600);
    expect(explainTieredDelta(graduated, 300, "flow")).toContain("from 11 up ($3.00 each)");
    expect(
      explainTieredDelta({ ...bucket, billing_model: "per_unit", unit_amount: 100 }, 100, "x"),
    ).toBeNull();
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

describe("a scheduled price change", () => {
  const preview = {
    billing_account_id: "ba_1",
    billing_account: { id: "ba_1", name: "Acme", scope: "organization" },
    billing_model: "per_unit",
    usage_price: null,
    currency: "usd",
    monthly_amount: 19900,
    prorated_amount: 10613,
    period_end: "2026-12-01T00:00:00.000Z",
    price_version: 2,
    price_version_since: "2026-11-15T00:00:00.000Z",
    scheduled_change: {
      effective_from: "2026-12-01T00:00:00.000Z",
      price_version: 2,
      resources_moving: 3,
      monthly_amount: 19900,
    },
  };

  it("says when the account's resources at the earlier price move to this one", () => {
    expect(describeScheduledChange(preview, "graph database")).toBe(
      "This price applies to new graph databases since Nov 15, 2026. The 3 graph databases this account already runs at the earlier price move to it on Dec 1, 2026.",
    );
    expect(
      describeScheduledChange(
        {
          ...preview,
          scheduled_change: {
            ...preview.scheduled_change,
            effective_from: "2026-11-20T08:30:00.000Z",
            resources_moving: 0,
          },
        },
        "graph database",
      ),
    ).toBe(
      "This price applies to new graph databases since Nov 15, 2026. Those created before then move to it on Nov 20, 2026, 08:30 AM UTC.",
    );
    expect(describeScheduledChange({ ...preview, scheduled_change: null }, "graph database")).toBe(
      null,
    );
  });
});
