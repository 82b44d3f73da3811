/**
 * Cost periods of the console: whole calendar months in UTC (the ledger's period), chosen by a
 * preset or a custom month range, the period before it of the same length, and whether a period
 * is closed, running or still to come.
 */

/** "2026-11" for a date (UTC). */
export function monthOf(date: Date): string {
  return date.toISOString().slice(0, 7);
}

/** "2026-11" shifted by n months: addMonths("2026-11", 2) = "2027-01". */
export function addMonths(month: string, n: number): string {
  const [y, m] = month.split("-").map(Number) as [number, number];
  return monthOf(new Date(Date.UTC(y, m - 1 + n, 1)));
}

/** "2026-11" → from 2026-11-01, to 2026-12-01 (exclusive), UTC. */
export function monthRange(month: string): { from: string; to: string } {
  return { from: `${month}-01T00:00:00.000Z`, to: `${addMonths(month, 1)}-01T00:00:00.000Z` };
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
export const isMonth = (v: string | null | undefined): v is string => !!v && MONTH.test(v);

/** Months from a to b inclusive (a ≤ b), e.g. 3 for "2026-09".."2026-11". */
export function monthsBetween(a: string, b: string): number {
  const [ya, ma] = a.split("-").map(Number) as [number, number];
  const [yb, mb] = b.split("-").map(Number) as [number, number];
  return (yb - ya) * 12 + (mb - ma) + 1;
}

export type Preset = "this_month" | "last_month" | "last_3" | "last_12" | "custom";
export const presetLabels: Record<Preset, string> = {
  this_month: "This month",
  last_month: "Last month",
  last_3: "Last 3 months",
  last_12: "Last 12 months",
  custom: "Custom range",
};

/** The server's costs window spans at most 366 days: twelve calendar months. */
export const MAX_MONTHS = 12;

export interface Period {
  preset: Preset;
  /** First month, inclusive. */
  first: string;
  /** Last month, inclusive. */
  last: string;
  months: number;
  from: string;
  to: string;
}

function period(preset: Preset, first: string, last: string): Period {
  return {
    preset,
    first,
    last,
    months: monthsBetween(first, last),
    from: monthRange(first).from,
    to: monthRange(last).to,
  };
}

/**
 * The period a costs URL asks for: `range` (a preset), or `from`/`to` months (custom, inclusive),
 * or the older `month=YYYY-MM`. "Last 3 / 12 months" end with the running month. A custom range
 * given backwards is turned round; one longer than twelve months keeps its last twelve.
 */
export function periodFromQuery(query: URLSearchParams, now: Date = new Date()): Period {
  const current = monthOf(now);
  const range = query.get("range");
  const from = query.get("from");
  const to = query.get("to");
  const month = query.get("month");
  if (range === "last_month")
    return period("last_month", addMonths(current, -1), addMonths(current, -1));
  if (range === "last_3") return period("last_3", addMonths(current, -2), current);
  if (range === "last_12") return period("last_12", addMonths(current, -11), current);
  if ((range === "custom" || range === null) && (isMonth(from) || isMonth(to))) {
    let first = isMonth(from) ? from : (to as string);
    let last = isMonth(to) ? to : (from as string);
    if (first > last) [first, last] = [last, first];
    if (monthsBetween(first, last) > MAX_MONTHS) first = addMonths(last, -(MAX_MONTHS - 1));
    return period("custom", first, last);
  }
  if (range === null && isMonth(month)) {
    const preset =
      month === current ? "this_month" : month === addMonths(current, -1) ? "last_month" : "custom";
    return period(preset, month, month);
  }
  return period("this_month", current, current);
}

/** The period of the same length just before. */
export function previousPeriod(p: Period): Period {
  const last = addMonths(p.first, -1);
  return period("custom", addMonths(last, -(p.months - 1)), last);
}

export type PeriodState = "closed" | "current" | "future";
/** Closed: ended before now; current: now is inside it; future: starts after now. */
export function periodState(p: { from: string; to: string }, now: Date = new Date()): PeriodState {
  if (new Date(p.to).getTime() <= now.getTime()) return "closed";
  if (new Date(p.from).getTime() > now.getTime()) return "future";
  return "current";
}

/** "Nov 2026" or "Sep – Nov 2026" or "Dec 2025 – Nov 2026". */
export function describePeriod(p: { first: string; last: string }): string {
  const fmt = (m: string, year: boolean) =>
    new Date(`${m}-01T00:00:00Z`).toLocaleDateString("en-US", {
      month: "short",
      ...(year ? { year: "numeric" } : {}),
      timeZone: "UTC",
    });
  if (p.first === p.last) return fmt(p.first, true);
  const sameYear = p.first.slice(0, 4) === p.last.slice(0, 4);
  return `${fmt(p.first, !sameYear)} – ${fmt(p.last, true)}`;
}
