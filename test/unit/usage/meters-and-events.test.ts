import { describe, expect, it } from "vitest";
import { parseCatalog } from "../../../src/catalog/load-catalog.js";
import { canonicalDecimal, checkUsageEvent } from "../../../src/domain/usage-event.js";

const flow = (meter: string) => ({
  type: "flow",
  name: "Flow",
  skus: [{ sku: "runs", billing_model: "metered", unit_amount: 2, meter: { event_name: meter } }],
});
const parse = (meters: unknown, meterOfSku = "flow_runs") =>
  parseCatalog({
    json: { currency: "usd", meters, resource_types: [flow(meterOfSku)] },
    source: "c.json",
  });

describe("meters in the catalog", () => {
  it("are read by event name, with their aggregation", () => {
    const catalog = parse([
      { event_name: "flow_runs", name: "Flow runs", aggregation: "sum" },
      { event_name: "users", name: "Users", aggregation: "unique_count", property: "user_id" },
    ]);
    expect([...catalog.meters.values()]).toEqual([
      { event_name: "flow_runs", name: "Flow runs", aggregation: "sum" },
      { event_name: "users", name: "Users", aggregation: "unique_count", property: "user_id" },
    ]);
  });

  it("say which entry is wrong and why", () => {
    expect(() => parse([{ event_name: "flow_runs", name: "F", aggregation: "avg" }])).toThrow(
      /c\.json: meters\.0\.aggregation/,
    );
    expect(() =>
      parse([{ event_name: "flow_runs", name: "F", aggregation: "unique_count" }]),
    ).toThrow(/meters\.0\.property: property is required for unique_count/);
    const twice = { event_name: "flow_runs", name: "F", aggregation: "sum" };
    expect(() => parse([twice, twice])).toThrow(/meters\.1\.event_name: duplicate meter flow_runs/);
    // A metered price whose meter is not declared would bill nothing, silently.
    expect(() => parse([twice], "flow_ruins")).toThrow(
      /flow\/runs: meter flow_ruins is not declared in meters/,
    );
  });
});

describe("a usage event", () => {
  it("carries its value as an exact decimal, however JSON wrote it", () => {
    expect(canonicalDecimal(2.5)).toBe("2.5");
    expect(canonicalDecimal("2.50")).toBe("2.5");
    expect(canonicalDecimal(0.1)).toBe("0.1");
    expect(canonicalDecimal(1e-7)).toBe("0.0000001");
    expect(canonicalDecimal(1e21)).toBe(null);
    expect(canonicalDecimal("007")).toBe("7");
    expect(canonicalDecimal("0.000000000001")).toBe("0.000000000001");
    for (const bad of [-1, "-1", "0x10", "", "1.", ".5", Number.NaN, "1e400", "0.0000000000001"]) {
      expect(canonicalDecimal(bad)).toBe(null);
    }
  });

  it("is dated with a time zone, at most 5 minutes ahead", () => {
    const meters = new Map([
      ["runs", { event_name: "runs", name: "Runs", aggregation: "sum" as const }],
    ]);
    const now = new Date("2026-11-20T12:00:00Z");
    const check = (timestamp: string) =>
      checkUsageEvent({
        input: { id: "e", resource_id: "r", event_name: "runs", value: 1, timestamp },
        meters,
        now,
      });
    expect(check("2026-11-20T12:05:00Z").ok).toBe(true);
    expect(check("2026-11-20T13:04:00+01:00").ok).toBe(true);
    expect(check("2026-11-20T12:05:01Z")).toMatchObject({ code: "timestamp_in_future" });
    expect(check("2026-11-20T12:00:00")).toMatchObject({ code: "invalid_timestamp" });
  });
});
