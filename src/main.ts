import { buildHttpServer } from "./app.js";
import { loadConfigOrExit } from "./config.js";
import { createContext } from "./context.js";
import { openDatabase } from "./db/open-database.js";
import { exitGracefullyOnSignals } from "./observability/graceful-shutdown.js";
import { startConfiguredReconciler } from "./worker/reconciler-loop.js";

const config = loadConfigOrExit();

const db = await openDatabase(config);
const ctx = await createContext({ config, db });
const server = await buildHttpServer({ ctx, config });
const reconciler =
  config.KTRLPLANE_WORKER === "on" ? startConfiguredReconciler({ ctx, config }) : undefined;
await server.listen({ port: config.PORT, host: config.HOST });
ctx.log.info(
  { provider: ctx.provider.name, database: db.kind, worker: config.KTRLPLANE_WORKER },
  "ktrlplane started",
);

exitGracefullyOnSignals({ server, reconciler, db, log: ctx.log });
