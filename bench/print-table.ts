import type { BenchRow, SectionResult } from "./section.js";

const fixed = (value: number, digits: number) =>
  Number.isFinite(value) ? value.toFixed(digits) : "-";

function cells(row: BenchRow): string[] {
  return [
    row.workload,
    String(row.count),
    fixed(row.perSecond, 0),
    fixed(row.p50Ms, 2),
    fixed(row.p99Ms, 2),
    row.ratio === undefined ? "" : `${(row.ratio * 100).toFixed(1)} %`,
    row.pass === undefined ? "" : row.pass ? "pass" : "FAIL",
  ];
}

/** A plain-text table, columns padded to their widest cell; numbers right-aligned. */
export function formatSection(result: SectionResult): string {
  const header = ["workload", "ops", "tx/s", "p50 ms", "p99 ms", "API/raw", "target"];
  const rows = [header, ...result.rows.map(cells)];
  const widths = header.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) =>
    r
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [
    `== ${result.title}`,
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...result.rows.map((r) => line(cells(r))),
    `targets: ${result.targets}`,
    ...result.notes,
  ].join("\n");
}
