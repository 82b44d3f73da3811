import type { Database } from "../src/db/database.js";
import { migrate } from "../src/db/migrate.js";
import { openPostgres } from "../src/db/postgres.js";
import { ensureUsagePartitions } from "../src/db/usage-partitions.js";
import { writeUsageCatalog } from "../test/support/usage-catalog.js";
import type { BenchTenant } from "./api-client.js";
import { withBenchDatabase } from "./bench-database.js";
import { withUsageTenant } from "./usage-tenant.js";

/**
 * The set-up of the sections that read last month's usage: a fresh bench database, migrated and
 * with last month's events partition, a pool on it (closed afterwards) and the usage catalog's
 * server with one tenant (`withUsageTenant`); `work` gets last month as [from, to).
 */
export async function withLastMonthOfUsage<T>(options: {
  adminUrl: string;
  /** Resources the tenant creates through the API. */
  resourceCount: number;
  maxConnections?: number;
  work: (setup: {
    db: Database;
    databaseUrl: string;
    catalogPath: string;
    from: Date;
    to: Date;
    baseUrl: string;
    tenant: BenchTenant;
    resources: string[];
  }) => Promise<T>;
}): Promise<T> {
  const catalogPath = await writeUsageCatalog();
  const now = new Date();
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  return withBenchDatabase({
    adminUrl: options.adminUrl,
    work: async (databaseUrl) => {
      const db = openPostgres({ url: databaseUrl, maxConnections: options.maxConnections });
      try {
        await migrate({ db });
        await ensureUsagePartitions({ db, instants: [from], now });
        return await withUsageTenant({
          databaseUrl,
          catalogPath,
          resourceCount: options.resourceCount,
          work: ({ baseUrl, tenant, resources }) =>
            options.work({ db, databaseUrl, catalogPath, from, to, baseUrl, tenant, resources }),
        });
      } finally {
        await db.close();
      }
    },
  });
}
