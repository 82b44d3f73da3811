import pLimit from "p-limit";
import { recordCostQueryWaited } from "../observability/metrics.js";

/** Runs `work` when one of the process's turns for cost queries is free. */
export type CostQueryTurns = <T>(work: () => Promise<T>) => Promise<T>;

/**
 * At most `atOnce` cost queries of one process in the database at a time; the others wait their
 * turn. A cost query is a read whose work grows with a whole organization's or billing account's
 * ledger or usage, whatever it returns: the organization's costs and usage, an account's charges,
 * upcoming invoice and items (its month of metered usage), and one resource's cost when its price
 * is tiered or metered (read from the account's whole line). Reads of one id's own rows never take
 * a turn, and no transaction waits for one: it would hold its locks meanwhile (a write whose answer
 * is such a read, like an account's rename, commits first). The routes take the turns, never the
 * use cases: work holding a turn that asked for another could wait forever once every turn is
 * held so.
 *
 * Each cost query keeps a few backends busy on a heavy aggregate, and on a small machine eight of
 * them at once took the CPU from everything else: /healthz p99 56 ms, max 294 ms (bench section
 * `healthz-under-load`). Queued, they cost the same in all and the rest of the API keeps answering
 * (p99 7.6 ms, max 41 ms with 2 turns). Since a query by resource splits its lines in this
 * process (~20 ms of its CPU, most of a query's ~50 ms), two at a time kept the event loop busy
 * enough for /healthz p99 to reach 26–28 ms; one at a time it is 9 ms, with 15 cost queries
 * answered a second (4 when the database ranked the resources).
 */
export function costQueryTurns(options: { atOnce: number }): CostQueryTurns {
  const limit = pLimit(options.atOnce);
  return (work) => {
    // p-limit starts queued work a microtask later: the ones already queued count as taken.
    if (limit.activeCount + limit.pendingCount >= options.atOnce) recordCostQueryWaited();
    return limit(work);
  };
}
