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
    transaction(work) {
      return db.transaction((tx) =>
        work({
          async query(sql, params) {
            const result = await tx.query(sql, params as unknown[]);
            return result.rows as never[];
          },
        }),
      );
    },
    async close() {
      await db.close();
    },
    // Uncompressed: the tarball is loaded far more often than it is written.
    dumpDataDir: () => db.dumpDataDir("none"),
  };
}
