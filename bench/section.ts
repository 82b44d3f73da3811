/** One line of the results table. */
export interface BenchRow {
  workload: string;
  count: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** This workload's rate over its baseline's, when it has one. */
  ratio?: number;
  /** Against the section's targets; absent for baselines. */
  pass?: boolean;
}

export interface SectionResult {
  title: string;
  /** What the targets are, in words, printed under the table. */
  targets: string;
  rows: BenchRow[];
  /** Further findings, printed as they are (one line each). */
  notes: string[];
  /** Everything measured, for `--json`. */
  data: Record<string, unknown>;
}

/** One benchmark of `npm run bench`; bench/run.ts runs them in order. */
export interface BenchSection {
  name: string;
  run(options: { adminUrl: string }): Promise<SectionResult>;
}
