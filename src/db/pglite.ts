import { PGlite } from "@electric-sql/pglite";
import type { Database } from "./database.js";

/** Embedded PostgreSQL (WASM). `dataDir` undefined keeps the database in memory (tests). */
export async function openPglite(options: { dataDir?: string }): Promise<Database> {
  const db = options.dataDir ? new PGlite(options.dataDir) : new PGlite();
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
  };
}
