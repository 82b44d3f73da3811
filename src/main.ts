import { createApp } from "./app.js";
import { loadConfig } from "./config.js";
import { openDatabase } from "./db/open-database.js";

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}

const db = await openDatabase(config);
const { server } = await createApp({ config, db });
await server.listen({ port: config.PORT, host: config.HOST });

const shutdown = async () => {
  await server.close();
  await db.close();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
