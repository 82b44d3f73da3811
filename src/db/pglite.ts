import { PGlite } from "@electric-sql/pglite";
import type { Database } from "./database.js";

/** The embedded database, which can also dump its data directory (to start others from it). */
export type PgliteDatabase = Database & { dumpDataDir(): Promise<Blob> };

/**
 * Embedded PostgreSQL (WASM). `dataDir` undefined keeps the database in memory (tests).
 * `loadDataDir` starts from a dumped data directory instead of running initdb (tests start from a
 * migrated template: initdb and the migrations were most of a test database's start).
 */
export async function openPglite(options: {
  dataDir?: string;
  loadDataDir?: Blob;
}): Promise<PgliteDatabase> {
  const db = new PGlite({ dataDir: options.dataDir, loadDataDir: options.loadDataDir });
  await db.waitReady;
  return {
    kind: "pglite",
    async query(sql, params) {
      const result = await db.query(sql, params as unknown[]);
      return result.rows as never[];
    },
    // PGlite has one connection; its transaction() holds a mutex so transactions never interleave.
    async transaction(work) {
      // PGlite commits when its callback returns: a work that throws after `queryAndCommit` has
      // committed all the same, as on PostgreSQL.
      let last = false;
      const outcome = await db.transaction(async (tx) => {
        const statement = async (sql: string, params: unknown[] | undefined) => {
          if (last) throw new Error("a statement after the transaction's last one");
          return (await tx.query(sql, params as unknown[])).rows as never[];
        };
        try {
          const value = await work({
            query: statement,
            async queryAndCommit(sql, params) {
              const rows = await statement(sql, params);
              last = true;
              return rows;
            },
          });
          return { value };
        } catch (error) {
          if (last) return { error };
          throw error;
        }
      });
      if ("error" in outcome) throw outcome.error;
      return outcome.value;
    },
    async close() {
      await db.close();
    },
    // Uncompressed: the tarball is loaded far more often than it is written.
    dumpDataDir: () => db.dumpDataDir("none"),
  };
}
