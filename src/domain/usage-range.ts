import { calendarMonthOf } from "./billing-period.js";
import { AppError } from "./errors.js";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** At most this many buckets in one series: a month of hours, a year of days. */
const maxSpan = { hour: 31 * DAY_MS, day: 366 * DAY_MS } as const;

function invalid(field: string, message: string): AppError {
  return new AppError({ code: "validation_failed", message, field });
}

/**
 * The [from, to) a usage query covers: the current calendar month (UTC) by default. Rollups are
 * hourly, so bounds must fall on whole hours (whole UTC days for a daily series): a bound inside
 * an hour could only be answered approximately, and we never answer approximately.
 */
export function resolveUsageRange(options: {
  from?: string | undefined;
  to?: string | undefined;
  now: Date;
  granularity: "hour" | "day";
}): { from: Date; to: Date } {
  const month = calendarMonthOf(options.now);
  const from = options.from ? new Date(options.from) : month.start;
  const to = options.to ? new Date(options.to) : month.end;
  const step = options.granularity === "hour" ? HOUR_MS : DAY_MS;
  for (const [field, at] of [
    ["from", from],
    ["to", to],
  ] as const) {
    if (at.getTime() % step !== 0) {
      throw invalid(field, `${field} must fall on a whole ${options.granularity} (UTC)`);
    }
  }
  if (to.getTime() <= from.getTime()) throw invalid("to", "to must be after from");
  if (to.getTime() - from.getTime() > maxSpan[options.granularity]) {
    throw invalid(
      "to",
      `the range may span at most ${maxSpan[options.granularity] / DAY_MS} days at ${options.granularity} granularity`,
    );
  }
  return { from, to };
}
