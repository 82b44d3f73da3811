import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { buildServer } from "./api/server.js";
import type { Config } from "./config.js";
import { type AppContext, createContext } from "./context.js";
import type { Database } from "./db/database.js";
import type { Logger } from "./observability/logger.js";
import type { BillingProvider } from "./providers/billing-provider.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The HTTP server over a built context, serving the console from `dist/web` when built. */
export function buildHttpServer(options: {
  ctx: AppContext;
  config: Config;
}): Promise<FastifyInstance> {
  return buildServer({
    ctx: options.ctx,
    webDir: path.join(repoRoot, "dist", "web"),
    requestTimeoutMs: options.config.KTRLPLANE_REQUEST_TIMEOUT_MS,
    metricsToken: options.config.KTRLPLANE_METRICS_TOKEN,
    trustProxy: options.config.KTRLPLANE_TRUST_PROXY,
    ...(options.config.KTRLPLANE_RATE_LIMIT > 0
      ? {
          rateLimit: {
            max: options.config.KTRLPLANE_RATE_LIMIT,
            windowMs: options.config.KTRLPLANE_RATE_LIMIT_WINDOW_S * 1000,
          },
        }
      : {}),
  });
}

/** The context and the HTTP server over it, in one call (tests and benchmarks). */
export async function createApp(options: {
  config: Config;
  db: Database;
  clock?: () => Date;
  /** Replaces the provider the configuration chooses (tests hand in one wired to an emulator). */
  provider?: BillingProvider;
  log?: Logger;
}): Promise<{ ctx: AppContext; server: FastifyInstance }> {
  const ctx = await createContext(options);
  return { ctx, server: await buildHttpServer({ ctx, config: options.config }) };
}
