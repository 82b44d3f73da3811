import { loadConfigOrExit } from "../config.js";
import { createLogger } from "../observability/logger.js";
import { migrate } from "./migrate.js";
import { openDatabase } from "./open-database.js";

// npm run migrate: only the migrations, so no catalog or provider (not the whole context); it
// logs through the same logger (observability/logger.ts) the context would build.
const config = loadConfigOrExit();
const log = createLogger({ level: config.LOG_LEVEL });
const db = await openDatabase(config);
try {
  const applied = await migrate({ db });
  log.info(
    { migrations: applied },
    applied.length ? `applied ${applied.join(", ")}` : "database is up to date",
  );
} catch (error) {
  log.error({ err: error }, "migration failed");
  process.exitCode = 1;
} finally {
  await db.close();
}
