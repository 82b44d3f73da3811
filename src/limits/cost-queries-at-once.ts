import pLimit from "p-limit";
import { recordCostQueryWaited } from "../observability/metrics.js";

/** Runs `work` when one of the process's turns for year-long cost queries is free. */
export type CostQueryTurns = <T>(work: () => Promise<T>) => Promise<T>;

/**
 * At most `atOnce` cost breakdowns of one process in the database at a time; the others wait
 * their turn. Each breakdown keeps a few backends busy on a heavy aggregate, and on a small
 * machine eight of them at once took the CPU from everything else: /healthz p99 56 ms, max
 * 294 ms (bench section `healthz-under-load`). Queued, they cost the same in all and the rest of
 * the API keeps answering (p99 7.6 ms, max 41 ms with 2 turns).
 */
export function costQueryTurns(options: { atOnce: number }): CostQueryTurns {
  const limit = pLimit(options.atOnce);
  return (work) => {
    // p-limit starts queued work a microtask later: the ones already queued count as taken.
    if (limit.activeCount + limit.pendingCount >= options.atOnce) recordCostQueryWaited();
    return limit(work);
  };
}
