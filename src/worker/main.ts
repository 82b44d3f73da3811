import { loadConfigOrExit } from "../config.js";
import { createContext } from "../context.js";
import { openDatabase } from "../db/open-database.js";
import { startConfiguredReconciler } from "./reconciler-loop.js";

// The reconciler alone, for scale-out: run as many as needed against one PostgreSQL database.
// It builds the application context only: no HTTP server, nothing from src/api/.
const config = loadConfigOrExit();
const db = await openDatabase(config);
const ctx = await createContext({ config, db });
const reconciler = startConfiguredReconciler({ ctx, config });
ctx.log.info(
  { owner: reconciler.owner, provider: ctx.provider.name, database: db.kind },
  "reconciler started",
);

let stopping = false;
const shutdown = async (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  ctx.log.info({ signal }, "stopping the reconciler");
  let code = 0;
  try {
    // Lets the passes in flight finish; a pass cut short would only be repeated by another worker.
    await reconciler.stop();
    await db.close();
    ctx.log.info("reconciler stopped");
  } catch (error) {
    ctx.log.error({ err: error }, "reconciler did not stop cleanly");
    code = 1;
  }
  ctx.log.flush();
  process.exit(code);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
