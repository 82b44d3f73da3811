import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { buildServer } from "./api/server.js";
import { loadCatalogFile } from "./catalog/load-catalog.js";
import type { Config } from "./config.js";
import type { AppContext } from "./context.js";
import type { Database } from "./db/database.js";
import { migrate } from "./db/migrate.js";
import { storeCatalog } from "./db/resource-pricing.js";
import { createLocalProvider } from "./providers/local/local-provider.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Migrates, loads the catalog into the database and wires the context and the HTTP server. */
export async function createApp(options: {
  config: Config;
  db: Database;
  clock?: () => Date;
}): Promise<{ ctx: AppContext; server: FastifyInstance }> {
  const { config, db } = options;
  const clock = options.clock ?? (() => new Date());
  await migrate({ db });
  const catalog = await loadCatalogFile(config.KTRLPLANE_CATALOG);
  catalog.prices = await storeCatalog({ db, catalog, at: clock() });
  const ctx: AppContext = { db, catalog, provider: createLocalProvider(), clock };
  const server = await buildServer({
    ctx,
    logLevel: config.LOG_LEVEL,
    webDir: path.join(repoRoot, "dist", "web"),
  });
  return { ctx, server };
}
