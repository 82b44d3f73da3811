/**
 * One series' value in a Prometheus text scrape (`GET /metrics`), e.g.
 * `ktrlplane_cost_queries_waited_total` or a labelled `name{label="…"}`; undefined when absent.
 */
export function seriesValue(options: { text: string; series: string }): number | undefined {
  const line = options.text.split("\n").find((l) => l.startsWith(`${options.series} `));
  return line === undefined ? undefined : Number(line.split(" ").pop());
}
