import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Database } from "./database.js";

const migrationsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "migrations");

/**
 * Applies the numbered SQL files in `migrations/` that have not run yet, each in its own
 * transaction. An advisory lock keeps two processes starting at once from racing. `through`
 * stops after the migrations numbered up to it: the schema of an older deployment, on which a test
 * writes that deployment's rows before migrating on, as the upgrade does.
 */
export async function migrate(options: { db: Database; through?: number }): Promise<string[]> {
  const { db, through = Number.POSITIVE_INFINITY } = options;
  const files = (await readdir(migrationsDir))
    .filter((f) => /^\d+_.+\.sql$/.test(f) && Number.parseInt(f, 10) <= through)
    .sort();
  // Under the same lock as each migration: two processes creating the bookkeeping table at once
  // would both pass `IF NOT EXISTS` and one would fail on PostgreSQL's catalog (pg_type).
  await db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock(7242001)");
    await tx.query("CREATE SCHEMA IF NOT EXISTS ktrlplane");
    await tx.query(
      "CREATE TABLE IF NOT EXISTS ktrlplane.schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
    );
  });
  const applied: string[] = [];
  for (const file of files) {
    const ran = await db.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock(7242001)");
      const done = await tx.query("SELECT 1 FROM ktrlplane.schema_migrations WHERE name = $1", [
        file,
      ]);
      if (done.length > 0) return false;
      const sql = await readFile(path.join(migrationsDir, file), "utf8");
      for (const statement of splitStatements(sql)) await tx.query(statement);
      await tx.query("INSERT INTO ktrlplane.schema_migrations (name) VALUES ($1)", [file]);
      return true;
    });
    if (ran) applied.push(file);
  }
  return applied;
}

// Extended-protocol queries take one statement each. A statement ends with `;` at the end of a
// line, outside `$$`-quoted function bodies; our migrations keep `;` out of other literals.
function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current: string[] = [];
  let inBody = false;
  for (const line of sql.split("\n")) {
    if (!inBody && /^\s*--/.test(line)) continue;
    current.push(line);
    if ((line.match(/\$\$/g) ?? []).length % 2 === 1) inBody = !inBody;
    if (!inBody && /;\s*$/.test(line)) {
      statements.push(current.join("\n").replace(/;\s*$/, ""));
      current = [];
    }
  }
  statements.push(current.join("\n"));
  return statements.map((s) => s.trim()).filter((s) => s.length > 0);
}
