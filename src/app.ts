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
import type { BillingProvider } from "./providers/billing-provider.js";
import { createProvider } from "./providers/create-provider.js";
import { type Reconciler, startReconciler } from "./worker/reconciler-loop.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Migrates, loads the catalog into the database and wires the context and the HTTP server. */
export async function createApp(options: {
  config: Config;
  db: Database;
  clock?: () => Date;
  /** Replaces the provider the configuration chooses (tests hand in one wired to an emulator). */
  provider?: BillingProvider;
}): Promise<{ ctx: AppContext; server: FastifyInstance }> {
  const { config, db } = options;
  const clock = options.clock ?? (() => new Date());
  await migrate({ db });
  const catalog = await loadCatalogFile(config.KTRLPLANE_CATALOG);
  catalog.prices = await storeCatalog({ db, catalog, at: clock() });
  const ctx: AppContext = {
    db,
    catalog,
    provider: options.provider ?? createProvider({ config, db }),
    clock,
    publicUrl: config.KTRLPLANE_PUBLIC_URL ?? `http://${config.HOST}:${config.PORT}`,
  };
  const server = await buildServer({
    ctx,
    logLevel: config.LOG_LEVEL,
    webDir: path.join(repoRoot, "dist", "web"),
    requestTimeoutMs: config.KTRLPLANE_REQUEST_TIMEOUT_MS,
    metricsToken: config.KTRLPLANE_METRICS_TOKEN,
  });
  return { ctx, server };
}

/** The reconciler as configured: it keeps the provider in step with the ledger. */
export function startConfiguredReconciler(options: {
  ctx: AppContext;
  config: Config;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}): Reconciler {
  const { ctx, config } = options;
  return startReconciler({
    ctx,
    debounceMs: config.KTRLPLANE_SYNC_DEBOUNCE_MS,
    maxWaitMs: Math.max(config.KTRLPLANE_SYNC_DEBOUNCE_MS * 8, 2000),
    pollMs: config.KTRLPLANE_SYNC_POLL_MS,
    fullSyncIntervalMs: config.KTRLPLANE_FULL_SYNC_INTERVAL_S * 1000,
    concurrency: 4,
    log: options.log,
  });
}
