import { createApp, startConfiguredReconciler } from "./app.js";
import { loadConfigOrExit } from "./config.js";
import { openDatabase } from "./db/open-database.js";
import { exitGracefullyOnSignals } from "./observability/graceful-shutdown.js";

const config = loadConfigOrExit();

const db = await openDatabase(config);
const { ctx, server } = await createApp({ config, db });
const reconciler =
  config.KTRLPLANE_WORKER === "on"
    ? startConfiguredReconciler({
        ctx,
        config,
        log: (msg, fields) => server.log.warn(fields ?? {}, msg),
      })
    : undefined;
await server.listen({ port: config.PORT, host: config.HOST });
server.log.info(
  { provider: ctx.provider.name, database: db.kind, worker: config.KTRLPLANE_WORKER },
  "ktrlplane started",
);

exitGracefullyOnSignals({ server, reconciler, db, log: server.log });
