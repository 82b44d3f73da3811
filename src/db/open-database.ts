import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Config } from "../config.js";
import type { Database } from "./database.js";
import { openPglite } from "./pglite.js";
import { openPostgres } from "./postgres.js";

/** PostgreSQL when DATABASE_URL is set, otherwise the embedded PGlite under the data directory. */
export async function openDatabase(
  config: Pick<Config, "DATABASE_URL" | "KTRLPLANE_DATA_DIR">,
): Promise<Database> {
  if (config.DATABASE_URL) return openPostgres({ url: config.DATABASE_URL });
  const dataDir = path.resolve(config.KTRLPLANE_DATA_DIR, "pglite");
  mkdirSync(dataDir, { recursive: true });
  return openPglite({ dataDir });
}
