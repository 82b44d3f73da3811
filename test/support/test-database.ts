import { randomBytes } from "node:crypto";
import pg from "pg";
import type { Database } from "../../src/db/database.js";
import { openPglite } from "../../src/db/pglite.js";
import { openPostgres } from "../../src/db/postgres.js";

/**
 * Which database this test project runs on (vitest sets KTRLPLANE_TEST_DB per project).
 * PostgreSQL is taken from TEST_DATABASE_URL (default: the local server, trust auth); when it
 * cannot be reached the PostgreSQL run is skipped with a message, unless KTRLPLANE_REQUIRE_POSTGRES
 * is set (CI), where it fails.
 */
export const testDatabaseKind = (process.env.KTRLPLANE_TEST_DB ?? "pglite") as
  | "pglite"
  | "postgres";
const adminUrl = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export const testDatabaseAvailable: boolean =
  testDatabaseKind === "pglite" ? true : await postgresReachable();

if (!testDatabaseAvailable) {
  if (process.env.KTRLPLANE_REQUIRE_POSTGRES) {
    throw new Error(
      `PostgreSQL is required (KTRLPLANE_REQUIRE_POSTGRES) but ${adminUrl} cannot be reached`,
    );
  }
  console.warn(`postgres: ${adminUrl} cannot be reached, PostgreSQL integration tests skipped`);
}

/** A fresh, empty database for one test file: in-memory PGlite, or a new PostgreSQL database. */
export async function openTestDatabase(): Promise<Database & { drop: () => Promise<void> }> {
  if (testDatabaseKind === "pglite") {
    const db = await openPglite({});
    return Object.assign(db, { drop: () => db.close() });
  }
  const created = await createPostgresDatabase({ prefix: "ktrlplane_test" });
  const db = openPostgres({ url: created.url });
  return Object.assign(db, {
    drop: async () => {
      await db.close();
      await created.drop();
    },
  });
}

/** A new, empty PostgreSQL database on the test server: its URL, and how to drop it. */
export async function createPostgresDatabase(options: {
  prefix: string;
}): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${options.prefix}_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}
