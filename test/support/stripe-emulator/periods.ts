import type { RecurringInterval } from "./objects.js";

/** The end of a billing period starting at `start` (Unix seconds), in calendar terms (UTC). */
export function periodEnd(start: number, interval: RecurringInterval, count: number): number {
  const date = new Date(start * 1000);
  switch (interval) {
    case "day":
      date.setUTCDate(date.getUTCDate() + count);
      break;
    case "week":
      date.setUTCDate(date.getUTCDate() + 7 * count);
      break;
    case "month": {
      // Stripe clamps to the last day of shorter months (Jan 31 → Feb 28).
      const day = date.getUTCDate();
      date.setUTCDate(1);
      date.setUTCMonth(date.getUTCMonth() + count);
      const lastDay = new Date(
        Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0),
      ).getUTCDate();
      date.setUTCDate(Math.min(day, lastDay));
      break;
    }
    case "year":
      date.setUTCFullYear(date.getUTCFullYear() + count);
      break;
  }
  return Math.floor(date.getTime() / 1000);
}
