import { movePriceVersions } from "./billing/move-price-versions.js";
import { type Catalog, loadCatalogFile } from "./catalog/load-catalog.js";
import type { Config } from "./config.js";
import type { Database } from "./db/database.js";
import { migrate } from "./db/migrate.js";
import { storeCatalog } from "./db/resource-pricing.js";
import { type Quotas, quotasOf } from "./limits/check-quota.js";
import { type CostQueryTurns, costQueryTurns } from "./limits/cost-queries-at-once.js";
import { createLogger, type Logger } from "./observability/logger.js";
import type { BillingProvider } from "./providers/billing-provider.js";
import { createProvider } from "./providers/create-provider.js";

/** What every use case may rely on, built once at boot by `createContext` (or by a test). */
export interface AppContext {
  db: Database;
  catalog: Catalog;
  provider: BillingProvider;
  /** The only source of "now": tests move it to check proration and periods. */
  clock: () => Date;
  /** Where people reach the console: return addresses for payment set-up point here. */
  publicUrl: string;
  /** The process's one logger (secrets redacted); use `ctx.log.child({...})` for context. */
  log: Logger;
  /** What one organization may hold at once. */
  quotas: Quotas;
  /** The process's turns for cost queries (`KTRLPLANE_COST_QUERIES_AT_ONCE`): routes take them. */
  costQueryTurns: CostQueryTurns;
}

/**
 * The application without any transport: migrates the database, loads the catalog into it (a
 * changed price becomes a new version), moves existing resources to versions whose instant has
 * come, and wires the provider and the logger. The HTTP server (`app.ts`), the worker and the CLIs all
 * start from this.
 */
export async function createContext(options: {
  config: Config;
  db: Database;
  clock?: () => Date;
  /** Replaces the provider the configuration chooses (tests hand in one wired to an emulator). */
  provider?: BillingProvider;
  /** Replaces the logger built from `LOG_LEVEL` (the CLIs log to stderr, tests capture lines). */
  log?: Logger;
}): Promise<AppContext> {
  const { config, db } = options;
  const clock = options.clock ?? (() => new Date());
  const log = options.log ?? createLogger({ level: config.LOG_LEVEL });
  const applied = await migrate({ db });
  if (applied.length > 0) log.info({ migrations: applied }, "database migrated");
  const catalog = await loadCatalogFile(config.KTRLPLANE_CATALOG);
  const stored = await storeCatalog({ db, catalog, at: clock() });
  catalog.prices = stored.prices;
  for (const notice of stored.notices) log.warn({ catalog: config.KTRLPLANE_CATALOG }, notice);
  const ctx: AppContext = {
    db,
    catalog,
    provider: options.provider ?? createProvider({ config, db }),
    clock,
    publicUrl: config.KTRLPLANE_PUBLIC_URL ?? `http://${config.HOST}:${config.PORT}`,
    log,
    quotas: quotasOf(config),
    costQueryTurns: costQueryTurns({ atOnce: config.KTRLPLANE_COST_QUERIES_AT_ONCE }),
  };
  // Moves of existing resources to a new price version that came while nothing ran.
  await movePriceVersions({ ctx });
  return ctx;
}
