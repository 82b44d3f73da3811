export interface LatencySummary {
  count: number;
  /** Completed operations per second of the measured window. */
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

export function summarizeLatencies(options: {
  latenciesMs: number[];
  windowMs: number;
}): LatencySummary {
  const sorted = Float64Array.from(options.latenciesMs).sort();
  const values = Array.from(sorted);
  return {
    count: values.length,
    perSecond: values.length / (options.windowMs / 1000),
    p50Ms: percentile(values, 50),
    p99Ms: percentile(values, 99),
    maxMs: values.at(-1) ?? Number.NaN,
  };
}
