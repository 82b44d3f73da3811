import { createHash } from "node:crypto";
import pg from "pg";
import type { Database, Queryable } from "./database.js";

// Timestamps come back as Date and bigint counts as numbers (we only count rows, far below 2^53).
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export function openPostgres(options: { url: string; maxConnections?: number }): Database {
  const pool = new pg.Pool({ connectionString: options.url, max: options.maxConnections ?? 20 });
  // An idle client that errors (server restart) must not crash the process; the pool replaces it.
  pool.on("error", () => {});
  const queryable = (client: pg.Pool | pg.PoolClient): Queryable => ({
    async query(sql, params) {
      // Named statements are parsed and planned once per connection, not on every request.
      const result = await client.query({
        name: statementName(sql),
        text: sql,
        values: params as unknown[],
      });
      return result.rows;
    },
  });
  return {
    kind: "postgres",
    ...queryable(pool),
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const result = await work(queryable(client));
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
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

const statementNames = new Map<string, string>();

function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (!name) {
    name = `k_${createHash("sha1").update(sql).digest("hex").slice(0, 20)}`;
    statementNames.set(sql, name);
  }
  return name;
}
