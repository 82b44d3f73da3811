import { describe, expect, it } from "vitest";
import {
  calendarMonthOf,
  epochSeconds,
  monthsOverlapping,
  periodSeconds,
} from "../../../src/domain/billing-period.js";

const d = (iso: string) => new Date(iso);

describe("calendarMonthOf", () => {
  it("is the UTC calendar month, end exclusive", () => {
    expect(calendarMonthOf(d("2026-02-14T12:00:00Z"))).toEqual({
      start: d("2026-02-01T00:00:00Z"),
      end: d("2026-03-01T00:00:00Z"),
    });
    expect(calendarMonthOf(d("2026-12-31T23:59:59.999Z"))).toEqual({
      start: d("2026-12-01T00:00:00Z"),
      end: d("2027-01-01T00:00:00Z"),
    });
    // The first instant of a month belongs to it, not to the month before.
    expect(calendarMonthOf(d("2026-03-01T00:00:00Z")).start).toEqual(d("2026-03-01T00:00:00Z"));
  });

  it("ignores local time zones: 23:30 on Jan 31 in New York is already February in UTC", () => {
    expect(calendarMonthOf(d("2026-01-31T23:30:00-05:00")).start).toEqual(
      d("2026-02-01T00:00:00Z"),
    );
  });

  it("has the right number of seconds, leap years included", () => {
    expect(periodSeconds(calendarMonthOf(d("2026-02-10T00:00:00Z")))).toBe(28 * 86400);
    expect(periodSeconds(calendarMonthOf(d("2028-02-10T00:00:00Z")))).toBe(29 * 86400);
    expect(periodSeconds(calendarMonthOf(d("2026-04-10T00:00:00Z")))).toBe(30 * 86400);
    expect(periodSeconds(calendarMonthOf(d("2026-01-10T00:00:00Z")))).toBe(31 * 86400);
  });
});

describe("monthsOverlapping", () => {
  it("lists every month touched by [from, to)", () => {
    const months = monthsOverlapping({
      from: d("2026-01-15T00:00:00Z"),
      to: d("2026-03-02T00:00:00Z"),
    });
    expect(months.map((p) => p.start.toISOString().slice(0, 7))).toEqual([
      "2026-01",
      "2026-02",
      "2026-03",
    ]);
  });

  it("does not include the month that starts exactly at `to`", () => {
    const months = monthsOverlapping({
      from: d("2026-01-01T00:00:00Z"),
      to: d("2026-02-01T00:00:00Z"),
    });
    expect(months).toHaveLength(1);
  });

  it("is empty for an empty window", () => {
    const at = d("2026-01-10T00:00:00Z");
    expect(monthsOverlapping({ from: at, to: at })).toEqual([]);
  });
});

describe("epochSeconds", () => {
  it("drops milliseconds, also before 1970", () => {
    expect(epochSeconds(d("2026-01-01T00:00:00.999Z"))).toBe(1767225600);
    expect(epochSeconds(new Date(-1500))).toBe(-2);
  });

  it("refuses an invalid date", () => {
    expect(() => epochSeconds(new Date("nope"))).toThrow();
  });
});
