import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Config } from "../config.js";
import type { Database } from "./database.js";
import { openPglite } from "./pglite.js";
import { openPostgres } from "./postgres.js";

/** Where the embedded PGlite keeps its files under `KTRLPLANE_DATA_DIR`. */
export function pgliteDataDir(dataDirectory: string): string {
  return path.resolve(dataDirectory, "pglite");
}

/** PostgreSQL when DATABASE_URL is set, otherwise the embedded PGlite under the data directory. */
export async function openDatabase(
  config: Pick<Config, "DATABASE_URL" | "KTRLPLANE_DATA_DIR">,
): Promise<Database> {
  if (config.DATABASE_URL) return openPostgres({ url: config.DATABASE_URL });
  const dataDir = pgliteDataDir(config.KTRLPLANE_DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  return openPglite({ dataDir });
}
