import { describe, expect, it } from "vitest";
import { describeChange } from "./pages/costs";
import { addMonths, describePeriod, periodFromQuery, periodState, previousPeriod } from "./periods";

const now = new Date("2026-11-15T12:00:00Z");
const q = (s: string) => new URLSearchParams(s);

describe("cost periods", () => {
  it("presets are whole UTC months ending with the running one", () => {
    expect(periodFromQuery(q(""), now)).toMatchObject({
      preset: "this_month",
      from: "2026-11-01T00:00:00.000Z",
      to: "2026-12-01T00:00:00.000Z",
      months: 1,
    });
    expect(periodFromQuery(q("range=last_month"), now)).toMatchObject({
      first: "2026-10",
      last: "2026-10",
    });
    expect(periodFromQuery(q("range=last_3"), now)).toMatchObject({
      first: "2026-09",
      last: "2026-11",
      months: 3,
    });
    expect(periodFromQuery(q("range=last_12"), now)).toMatchObject({
      first: "2025-12",
      last: "2026-11",
      months: 12,
      from: "2025-12-01T00:00:00.000Z",
      to: "2026-12-01T00:00:00.000Z",
    });
  });

  it("reads custom ranges and the older month parameter, turned round and capped at 12", () => {
    expect(periodFromQuery(q("range=custom&from=2026-08&to=2026-06"), now)).toMatchObject({
      first: "2026-06",
      last: "2026-08",
    });
    expect(periodFromQuery(q("from=2024-01&to=2026-03"), now)).toMatchObject({
      first: "2025-04",
      last: "2026-03",
      months: 12,
    });
    expect(periodFromQuery(q("month=2026-10"), now).preset).toBe("last_month");
    expect(periodFromQuery(q("month=2026-03"), now)).toMatchObject({
      preset: "custom",
      first: "2026-03",
    });
    expect(periodFromQuery(q("month=garbage"), now).preset).toBe("this_month");
  });

  it("the previous period has the same length and ends just before", () => {
    const p = periodFromQuery(q("range=last_3"), now);
    expect(previousPeriod(p)).toMatchObject({ first: "2026-06", last: "2026-08", months: 3 });
    expect(addMonths("2026-01", -1)).toBe("2025-12");
  });

  it("labels future, current and closed periods correctly", () => {
    expect(periodState(periodFromQuery(q("month=2026-12"), now), now)).toBe("future");
    expect(periodState(periodFromQuery(q(""), now), now)).toBe("current");
    expect(periodState(periodFromQuery(q("range=last_month"), now), now)).toBe("closed");
    expect(periodState(periodFromQuery(q("range=last_3"), now), now)).toBe("current");
  });

  it("describes periods and changes in words", () => {
    expect(describePeriod({ first: "2026-09", last: "2026-11" })).toBe("Sep – Nov 2026");
    expect(describePeriod({ first: "2025-12", last: "2026-11" })).toBe("Dec 2025 – Nov 2026");
    expect(describeChange(1200, 1000, "usd")).toBe("+$2.00 (+20%)");
    expect(describeChange(800, 1000, "usd")).toBe("−$2.00 (−20%)");
    expect(describeChange(500, 0, "usd")).toBe("+$5.00 (new)");
    expect(describeChange(5, 5, "usd")).toBe("no change");
  });
});
