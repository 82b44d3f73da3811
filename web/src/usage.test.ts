import { describe, expect, it } from "vitest";
import type { ResourceUsage } from "./api";
import {
  axisMax,
  fillBuckets,
  formatBucket,
  formatUsageValue,
  granularitiesOf,
  usageRange,
} from "./usage";

const now = new Date("2026-11-30T14:25:00Z");

describe("usage ranges", () => {
  it("end with the hour or day now falls in, on whole UTC buckets as the API requires", () => {
    expect(usageRange("24h", "hour", now)).toEqual({
      from: "2026-11-29T15:00:00.000Z",
      to: "2026-11-30T15:00:00.000Z",
    });
    expect(usageRange("7d", "day", now)).toEqual({
      from: "2026-11-24T00:00:00.000Z",
      to: "2026-12-01T00:00:00.000Z",
    });
    expect(usageRange("7d", "hour", now)).toEqual({
      from: "2026-11-23T15:00:00.000Z",
      to: "2026-11-30T15:00:00.000Z",
    });
    expect(granularitiesOf("24h")).toEqual(["hour"]);
    expect(granularitiesOf("30d")).toEqual(["hour", "day"]);
  });

  it("this month is the calendar month in UTC, also across a year end", () => {
    expect(usageRange("month", "day", now)).toEqual({
      from: "2026-11-01T00:00:00.000Z",
      to: "2026-12-01T00:00:00.000Z",
    });
    expect(usageRange("month", "hour", new Date("2026-12-31T23:59:59Z"))).toEqual({
      from: "2026-12-01T00:00:00.000Z",
      to: "2027-01-01T00:00:00.000Z",
    });
  });
});

describe("usage buckets", () => {
  const usage = (data: { start: string; value: string }[]): ResourceUsage => ({
    resource_id: "r1",
    event_name: "flow_runs",
    aggregation: "sum",
    granularity: "hour",
    from: "2026-11-30T10:00:00.000Z",
    to: "2026-11-30T14:00:00.000Z",
    total: "12",
    data,
  });

  it("every bucket of the range is drawn, the ones without events empty", () => {
    expect(
      fillBuckets(
        usage([
          { start: "2026-11-30T11:00:00.000Z", value: "5" },
          { start: "2026-11-30T13:00:00.000Z", value: "7" },
        ]),
      ),
    ).toEqual([
      { start: "2026-11-30T10:00:00.000Z", value: null },
      { start: "2026-11-30T11:00:00.000Z", value: "5" },
      { start: "2026-11-30T12:00:00.000Z", value: null },
      { start: "2026-11-30T13:00:00.000Z", value: "7" },
    ]);
  });

  it("the axis ends on the next 1, 2 or 5 × 10^k at or above the peak", () => {
    expect(axisMax([])).toBe(1);
    expect(axisMax([0])).toBe(1);
    expect(axisMax([7])).toBe(10);
    expect(axisMax([10])).toBe(10);
    expect(axisMax([11, 3])).toBe(20);
    expect(axisMax([200])).toBe(200);
    expect(axisMax([201])).toBe(500);
    expect(axisMax([0.3])).toBe(0.5);
    expect(axisMax([0.00002])).toBeCloseTo(0.00002, 12);
    expect(axisMax([1_234_567])).toBe(2_000_000);
  });

  it("values keep their exact decimals and are grouped by thousands", () => {
    expect(formatUsageValue("0")).toBe("0");
    expect(formatUsageValue("999")).toBe("999");
    expect(formatUsageValue("1234567.25")).toBe("1,234,567.25");
    expect(formatUsageValue("0.00002")).toBe("0.00002");
    expect(formatUsageValue("-1500")).toBe("-1,500");
  });

  it("buckets are named in UTC", () => {
    expect(formatBucket("2026-11-30T04:00:00.000Z", "hour")).toBe("Nov 30, 04:00");
    expect(formatBucket("2026-11-30T00:00:00.000Z", "day")).toBe("Nov 30");
  });
});
