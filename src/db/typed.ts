import {
  type Compilable,
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type RawBuilder,
  sql,
} from "kysely";
import type { Queryable } from "./database.js";
import type { DB } from "./schema.js";

/**
 * Typed SQL without a second driver: Kysely only builds and compiles queries (its own driver is a
 * dummy that never connects); they run through our `Queryable`, inside or outside a transaction,
 * on PostgreSQL and PGlite alike. The compiled text is deterministic, so the PostgreSQL adapter's
 * named prepared statements keep working. Table names carry their schema: `ktrlplane.projects`.
 */
export const sqlb = new Kysely<DB>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

/** Every row the query returns, typed by the query itself. */
export async function rows<O>(db: Queryable, query: Compilable<O>): Promise<O[]> {
  const compiled = query.compile();
  return db.query<O>(compiled.sql, compiled.parameters as unknown[]);
}

/** The first row the query returns, if any. */
export async function first<O>(db: Queryable, query: Compilable<O>): Promise<O | undefined> {
  return (await rows(db, query))[0];
}

/** Runs a statement whose rows nobody reads. */
export async function execute(db: Queryable, query: Compilable<unknown>): Promise<void> {
  const compiled = query.compile();
  await db.query(compiled.sql, compiled.parameters as unknown[]);
}

/**
 * One `$n::text[]` parameter however many values: `col = ANY(textArray(ids))` compiles to the
 * same SQL text for 1 or 1,000 ids, so it stays one prepared statement (an `IN (…)` list would not).
 */
export function textArray(values: readonly string[]): RawBuilder<string[]> {
  return sql<string[]>`${values}::text[]`;
}

/** As `textArray`, for bigint columns. */
export function bigintArray(values: readonly number[]): RawBuilder<number[]> {
  return sql<number[]>`${values}::bigint[]`;
}
