import { buildHttpServer } from "./app.js";
import { loadConfigOrExit } from "./config.js";
import { createContext } from "./context.js";
import { openDatabase } from "./db/open-database.js";
import { startConfiguredReconciler } from "./worker/reconciler-loop.js";

const config = loadConfigOrExit();

const db = await openDatabase(config);
const ctx = await createContext({ config, db });
const server = await buildHttpServer({ ctx });
const reconciler =
  config.KTRLPLANE_WORKER === "on" ? startConfiguredReconciler({ ctx, config }) : undefined;
await server.listen({ port: config.PORT, host: config.HOST });
ctx.log.info(
  { provider: ctx.provider.name, database: db.kind, worker: config.KTRLPLANE_WORKER },
  "ktrlplane started",
);

let stopping = false;
const shutdown = async (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  ctx.log.info({ signal }, "shutting down");
  let code = 0;
  try {
    await reconciler?.stop();
    await server.close();
    await db.close();
  } catch (error) {
    ctx.log.error({ err: error }, "shutdown was not clean");
    code = 1;
  }
  ctx.log.flush();
  process.exit(code);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
