import { createHash } from "node:crypto";
import pg from "pg";
import type { Database, Transaction } from "./database.js";

// Timestamps come back as Date and bigint counts as numbers (we only count rows, far below 2^53).
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export function openPostgres(options: { url: string; maxConnections?: number }): Database {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 20,
    // A statement is written without waiting for the answers to those before it on its
    // connection (they still run in order): see `transaction`.
    pipeline: true,
  });
  // An idle client that errors (server restart) must not crash the process; the pool replaces it.
  pool.on("error", () => {});
  return {
    kind: "postgres",
    async query(sql, params) {
      return (await pool.query(named(sql, params))).rows;
    },
    async transaction(work) {
      const client = await pool.connect();
      const send = batchedWrites(client);
      // BEGIN is not waited for: it leaves with the transaction's first statement. Should it fail,
      // so does that statement (the connection is broken, or still in a failed transaction), and
      // every answer is taken only once BEGIN has succeeded.
      const begun = send("BEGIN");
      begun.catch(() => {});
      let committed: Promise<unknown> | undefined;
      const statement = async (sql: string, params: unknown[] | undefined, end?: "commit") => {
        if (committed) throw new Error("a statement after the transaction's last one");
        const sent = send(named(sql, params));
        if (end) {
          committed = send("COMMIT");
          committed.catch(() => {});
        }
        const [result] = await Promise.all([sent, begun, committed]);
        return result.rows;
      };
      const tx: Transaction = {
        query: (sql, params) => statement(sql, params),
        queryAndCommit: (sql, params) => statement(sql, params, "commit"),
      };
      try {
        const result = await work(tx);
        await (committed ?? send("COMMIT"));
        return result;
      } catch (error) {
        // After a failed last statement, its COMMIT rolls the transaction back.
        await (committed ?? send("ROLLBACK")).catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    async close() {
      await pool.end();
    },
  };
}

/**
 * `client.query` whose statements, when several are sent in one stretch of synchronous code
 * (BEGIN and the first statement, a last statement and its COMMIT), leave in one write: the
 * socket is corked until the code in progress has run. Each write wakes the connection's backend,
 * and on a busy machine the woken backend often takes the CPU from this process (its one thread
 * serves every request): one write instead of two is one wake-up and one preemption fewer.
 */
function batchedWrites(client: pg.PoolClient) {
  const socket = client.connection.stream;
  let corked = false;
  return (query: string | pg.QueryConfig) => {
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(() => {
        corked = false;
        socket.uncork();
      });
    }
    return client.query(query);
  };
}

/** Named statements are parsed and planned once per connection, not on every request. */
function named(sql: string, params: unknown[] | undefined): pg.QueryConfig {
  return { name: statementName(sql), text: sql, values: params as unknown[] };
}

const statementNames = new Map<string, string>();

function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (!name) {
    name = `k_${createHash("sha1").update(sql).digest("hex").slice(0, 20)}`;
    statementNames.set(sql, name);
  }
  return name;
}
