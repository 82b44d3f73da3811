import { createApp, startConfiguredReconciler } from "../app.js";
import { loadConfigOrExit } from "../config.js";
import { openDatabase } from "../db/open-database.js";

// The reconciler alone, for scale-out: run as many as needed against one PostgreSQL database.
const config = loadConfigOrExit();
const db = await openDatabase(config);
const { ctx } = await createApp({ config, db });
const reconciler = startConfiguredReconciler({
  ctx,
  config,
  log: (message, fields) => console.error(JSON.stringify({ msg: message, ...fields })),
});
console.error(
  JSON.stringify({
    msg: "reconciler started",
    owner: reconciler.owner,
    provider: ctx.provider.name,
  }),
);
const shutdown = async () => {
  await reconciler.stop();
  await db.close();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
