/**
 * A resource's usage series as the chart draws it: the range a preset covers (on whole UTC hours
 * or days, as the API requires), every bucket of that range (the API answers only the buckets
 * that hold events), an axis maximum people can read, and values and times in words.
 */
import type { Granularity, ResourceUsage } from "./api";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const stepOf = (granularity: Granularity) => (granularity === "hour" ? HOUR_MS : DAY_MS);

export type UsagePreset = "24h" | "7d" | "30d" | "month";
export const usagePresets: Record<UsagePreset, string> = {
  "24h": "Last 24 hours",
  "7d": "Last 7 days",
  "30d": "Last 30 days",
  month: "This month",
};
const spanOf: Record<Exclude<UsagePreset, "month">, number> = {
  "24h": DAY_MS,
  "7d": 7 * DAY_MS,
  "30d": 30 * DAY_MS,
};

/** The granularities a preset is shown in: a day of days would be one column. */
export function granularitiesOf(preset: UsagePreset): Granularity[] {
  return preset === "24h" ? ["hour"] : ["hour", "day"];
}

/**
 * The [from, to) of a preset: up to the end of the hour (or day) now falls in, so the bucket
 * running now is shown; "This month" is the calendar month in UTC.
 */
export function usageRange(
  preset: UsagePreset,
  granularity: Granularity,
  now: Date,
): { from: string; to: string } {
  if (preset === "month") {
    const from = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
    const to = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
    return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
  }
  const step = stepOf(granularity);
  const to = Math.floor(now.getTime() / step) * step + step;
  const from = Math.floor((to - spanOf[preset]) / step) * step;
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

export interface UsageBucket {
  start: string;
  /** The bucket's value as the API wrote it (an exact decimal); null when no event fell in it. */
  value: string | null;
}

/** Every bucket of the series' range in order, the empty ones included (value null). */
export function fillBuckets(usage: ResourceUsage): UsageBucket[] {
  const step = stepOf(usage.granularity);
  const held = new Map(usage.data.map((b) => [new Date(b.start).getTime(), b.value]));
  const buckets: UsageBucket[] = [];
  for (let at = new Date(usage.from).getTime(); at < new Date(usage.to).getTime(); at += step) {
    buckets.push({ start: new Date(at).toISOString(), value: held.get(at) ?? null });
  }
  return buckets;
}

/**
 * The top of the value axis: the smallest 1, 2 or 5 × 10^k at or above the largest value, so
 * that its gridlines fall on round numbers. Values are drawn, never added: a float is exact
 * enough for a pixel.
 */
export function axisMax(values: readonly number[]): number {
  const max = Math.max(0, ...values);
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const factor of [1, 2, 5, 10]) {
    // The tolerance absorbs float artefacts of 10^k (1e-7 is not exactly a tenth of 1e-6).
    if (max <= factor * power * (1 + 1e-9)) return factor * power;
  }
  return 10 * power;
}

/** An exact decimal with thousands separators: "1234567.25" → "1,234,567.25". */
export function formatUsageValue(value: string): string {
  const negative = value.startsWith("-");
  const [whole = "0", fraction] = (negative ? value.slice(1) : value).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${negative ? "-" : ""}${grouped}${fraction ? `.${fraction}` : ""}`;
}

/** A bucket's start in words, in UTC: "Nov 30, 14:00" per hour, "Nov 30" per day. */
export function formatBucket(start: string, granularity: Granularity): string {
  const d = new Date(start);
  const day = d.toLocaleDateString("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
  if (granularity === "day") return day;
  return `${day}, ${String(d.getUTCHours()).padStart(2, "0")}:00`;
}
