import { performance } from "node:perf_hooks";
import type { Database, Queryable, Transaction } from "../src/db/database.js";

export interface DatabaseCounters {
  /** Statements sent by the application (BEGIN and COMMIT not included). */
  queries: number;
  /** Wall time spent waiting on those statements, ms. */
  queryMs: number;
  transactions: number;
  /** Wall time of the transactions outside their work: pool checkout, BEGIN, COMMIT, release. */
  transactionOverheadMs: number;
}

/**
 * Wraps a database so that the bench can tell how many round trips a request costs and how much
 * of its time is spent waiting on PostgreSQL. The cost is a few `performance.now()` calls.
 */
export function countingDatabase(inner: Database): { db: Database; counters: DatabaseCounters } {
  const counters: DatabaseCounters = {
    queries: 0,
    queryMs: 0,
    transactions: 0,
    transactionOverheadMs: 0,
  };
  const timed = async <Row>(statement: () => Promise<Row[]>): Promise<Row[]> => {
    const began = performance.now();
    try {
      return await statement();
    } finally {
      counters.queries += 1;
      counters.queryMs += performance.now() - began;
    }
  };
  const counted = (target: Queryable): Queryable => ({
    query: (sql, params) => timed(() => target.query(sql, params)),
  });
  const countedTransaction = (target: Transaction): Transaction => ({
    ...counted(target),
    queryAndCommit: (sql, params) => timed(() => target.queryAndCommit(sql, params)),
  });
  const db: Database = {
    kind: inner.kind,
    ...counted(inner),
    async transaction(work) {
      const began = performance.now();
      let workMs = 0;
      try {
        return await inner.transaction(async (tx) => {
          const workBegan = performance.now();
          try {
            return await work(countedTransaction(tx));
          } finally {
            workMs = performance.now() - workBegan;
          }
        });
      } finally {
        counters.transactions += 1;
        counters.transactionOverheadMs += performance.now() - began - workMs;
      }
    },
    close: () => inner.close(),
  };
  return { db, counters };
}
