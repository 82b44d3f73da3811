import { AppError } from "./errors.js";

/** A billing period; `end` is exclusive so consecutive periods share their boundary. */
export interface Period {
  start: Date;
  end: Date;
}

function assertValid(at: Date, field: string): void {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) {
    throw new AppError({
      code: "validation_failed",
      message: `${field} is not a valid date`,
      field,
    });
  }
}

/** Proration works in whole seconds so that ledger timestamps with milliseconds cannot leak fractions. */
export function epochSeconds(at: Date): number {
  assertValid(at, "at");
  return Math.floor(at.getTime() / 1000);
}

/** The local provider bills calendar months in UTC, whatever the account's time zone. */
export function calendarMonthOf(at: Date): Period {
  assertValid(at, "at");
  const year = at.getUTCFullYear();
  const month = at.getUTCMonth();
  return { start: new Date(Date.UTC(year, month, 1)), end: new Date(Date.UTC(year, month + 1, 1)) };
}

/** Whole calendar months that share at least one instant with [from, to), in order. */
export function monthsOverlapping(options: { from: Date; to: Date }): Period[] {
  assertValid(options.from, "from");
  assertValid(options.to, "to");
  const periods: Period[] = [];
  if (options.from.getTime() >= options.to.getTime()) return periods;
  let period = calendarMonthOf(options.from);
  while (period.start.getTime() < options.to.getTime()) {
    periods.push(period);
    period = calendarMonthOf(period.end);
  }
  return periods;
}

export function periodSeconds(period: Period): number {
  return epochSeconds(period.end) - epochSeconds(period.start);
}
