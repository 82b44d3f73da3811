import { createHash, randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import type { Database } from "../../src/db/database.js";
import { migrate } from "../../src/db/migrate.js";
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

/**
 * A fresh database for one test file, already migrated: a copy of a template that ran the
 * migrations once (in-memory PGlite loaded from the template's data directory, or a PostgreSQL
 * database created from the template database). The app's own start still runs `migrate`, which
 * finds nothing to do; the migrations from empty stay tested by the template's own build and where
 * a test asks for an `empty` database.
 */
export async function openTestDatabase(
  options: {
    /** Not migrated at all, for a test of the migrations themselves. */
    empty?: boolean;
  } = {},
): Promise<Database & { drop: () => Promise<void> /** PostgreSQL's. */; url?: string }> {
  if (testDatabaseKind === "pglite") {
    const db = await openPglite(options.empty ? {} : { loadDataDir: await pgliteTemplate() });
    return Object.assign(db, { drop: () => db.close() });
  }
  const created = await createPostgresDatabase({
    prefix: "ktrlplane_test",
    template: options.empty ? undefined : await postgresTemplate(),
  });
  const db = openPostgres({ url: created.url });
  return Object.assign(db, {
    url: created.url,
    drop: async () => {
      await db.close();
      await created.drop();
    },
  });
}

/**
 * Fills the empty `dataDir` with the migrated template, for a server process that keeps its
 * PGlite there: its start then finds every migration applied, as the tests' own databases do.
 */
export async function writeMigratedPgliteDataDir(options: { dataDir: string }): Promise<void> {
  const db = await openPglite({ dataDir: options.dataDir, loadDataDir: await pgliteTemplate() });
  await db.close();
}

/**
 * A new PostgreSQL database on the test server, empty or a copy of `template`: its URL, and how
 * to drop it.
 */
export async function createPostgresDatabase(options: {
  prefix: string;
  template?: string;
}): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${options.prefix}_${randomBytes(6).toString("hex")}`;
  await asAdmin((admin) =>
    admin.query(
      `CREATE DATABASE ${name}${options.template ? ` TEMPLATE ${options.template}` : ""}`,
    ),
  );
  return {
    url: databaseUrl(name),
    drop: async () => {
      await asAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

function databaseUrl(name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function asAdmin<T>(work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

const migrationsDir = fileURLToPath(new URL("../../src/db/migrations", import.meta.url));

/**
 * Names a template by what it was built from: the migration files, and for PGlite its version
 * (its data directory's format). A changed, added or removed migration names a new template, so
 * a stale one is never used.
 */
async function templateHash(options: { with: string }): Promise<string> {
  const hash = createHash("sha256").update(options.with);
  for (const file of (await readdir(migrationsDir)).sort()) {
    hash.update(`\0${file}\0`).update(await readFile(path.join(migrationsDir, file)));
  }
  return hash.digest("hex").slice(0, 16);
}

let pgliteTemplateData: Promise<Blob> | undefined;

/**
 * The migrated PGlite data directory, built by the first test process that needs it and kept as
 * a file that the others load (each test file starts in a fresh worker): starting from it takes
 * a fraction of initdb and the migrations.
 */
function pgliteTemplate(): Promise<Blob> {
  pgliteTemplateData ??= (async () => {
    const modules = new URL("../../node_modules/", import.meta.url);
    const pglite = JSON.parse(
      await readFile(new URL("@electric-sql/pglite/package.json", modules), "utf8"),
    );
    const dir = fileURLToPath(new URL(".cache/ktrlplane-test", modules));
    const file = path.join(dir, `pglite-${await templateHash({ with: pglite.version })}.tar`);
    const stored = await readFile(file).catch(() => undefined);
    if (stored) return new Blob([stored]);
    const db = await openPglite({});
    await migrate({ db });
    const data = await db.dumpDataDir();
    await db.close();
    // Written whole under another name, then renamed: a process that reads it never sees a part.
    // Two processes that both build it write the same content.
    await mkdir(dir, { recursive: true });
    const partial = `${file}.${process.pid}`;
    await writeFile(partial, new Uint8Array(await data.arrayBuffer()));
    await rename(partial, file);
    return data;
  })();
  return pgliteTemplateData;
}

let postgresTemplateName: Promise<string> | undefined;

/**
 * The migrated template database on the test server (every test database is created from it),
 * built by the first process that needs it under an advisory lock, so that the others wait for
 * it rather than build it too. It is built under another name and renamed once migrated: a
 * process killed half-way leaves no half-migrated template.
 */
function postgresTemplate(): Promise<string> {
  postgresTemplateName ??= (async () => {
    const name = `ktrlplane_template_${await templateHash({ with: "postgres" })}`;
    await asAdmin(async (admin) => {
      await admin.query("SELECT pg_advisory_lock(7242002)");
      const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
      if (exists.rowCount === 0) {
        const building = `${name}_building`;
        await admin.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
        await admin.query(`CREATE DATABASE ${building}`);
        const db = openPostgres({ url: databaseUrl(building) });
        await migrate({ db }).finally(() => db.close());
        await admin.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
      }
      // The session's lock ends with it (`asAdmin` ends the session, even on an error).
    });
    return name;
  })();
  return postgresTemplateName;
}
