import {
  type Compilable,
  type CompiledQuery,
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type RawBuilder,
  sql,
} from "kysely";
import { AppError } from "../domain/errors.js";
import type { Queryable, Transaction } from "./database.js";
import type { DB } from "./schema.js";

/**
 * Typed SQL without a second driver: Kysely only builds and compiles queries (its own driver is a
 * dummy that never connects); they run through our `Queryable`, inside or outside a transaction,
 * on PostgreSQL and PGlite alike. The compiled text is deterministic, so the PostgreSQL adapter's
 * named prepared statements keep working. Table names carry their schema: `ktrlplane.projects`.
 *
 * A new table: a numbered migration, `npm run db:types` (regenerates schema.ts), then queries as
 * `rows(db, sqlb.selectFrom("ktrlplane.things").selectAll().where("id", "=", id))`.
 */
export const sqlb = new Kysely<DB>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

/** A query builder, or a query compiled already (see `cached`). */
export type TypedQuery<O> = Compilable<O> | CompiledQuery<O>;

function compiled<O>(query: TypedQuery<O>): CompiledQuery<O> {
  return "compile" in query ? query.compile() : query;
}

/** Every row the query returns, typed by the query itself. */
export async function rows<O>(db: Queryable, query: TypedQuery<O>): Promise<O[]> {
  const { sql, parameters } = compiled(query);
  return db.query<O>(sql, parameters as unknown[]);
}

/** The first row the query returns, if any. */
export async function first<O>(db: Queryable, query: TypedQuery<O>): Promise<O | undefined> {
  return (await rows(db, query))[0];
}

/** The first row of the transaction's last statement, sent with its COMMIT (`queryAndCommit`). */
export async function firstAndCommit<O>(
  tx: Transaction,
  query: TypedQuery<O>,
): Promise<O | undefined> {
  const { sql, parameters } = compiled(query);
  return (await tx.queryAndCommit<O>(sql, parameters as unknown[]))[0];
}

/** Runs a statement whose rows nobody reads. */
export async function execute(db: Queryable, query: TypedQuery<unknown>): Promise<void> {
  const { sql, parameters } = compiled(query);
  await db.query(sql, parameters as unknown[]);
}

const placeholderKey = Symbol("ktrlplane.placeholder");
type Placeholder = { readonly [placeholderKey]: string };

function isPlaceholder(value: unknown): value is Placeholder {
  return typeof value === "object" && value !== null && placeholderKey in value;
}

/**
 * A hot statement built and compiled once, then only given new parameters: building and
 * compiling a Kysely query costs tens to hundreds of microseconds, a lookup costs nothing.
 * `build` receives placeholders standing for the parameters and must only place them in the
 * query (as values), never inspect them: write one `cached` per shape of the statement.
 */
export function cached<P extends Record<string, unknown>, O>(
  build: (params: P) => Compilable<O>,
): (params: P) => CompiledQuery<O> {
  let template: CompiledQuery<O> | undefined;
  return (params) => {
    if (!template) {
      const placeholders = new Proxy({} as P, {
        get: (_target, name) => ({ [placeholderKey]: String(name) }) satisfies Placeholder,
      });
      template = build(placeholders).compile();
    }
    return {
      ...template,
      parameters: template.parameters.map((value) =>
        isPlaceholder(value) ? params[value[placeholderKey]] : value,
      ),
    };
  };
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

/**
 * The fields of a `string_agg(… ' ')` text of `perRow` fields a row, for reads that send many
 * small rows as one text (it decodes several times faster than rows do). Its fields are ids (a
 * prefix and base64url, src/db/ids.ts: never a space) and integers; a text that does not come in
 * whole rows is refused rather than misread.
 */
export function textFields(options: { text: string; perRow: number }): string[] {
  const fields = options.text.split(" ");
  if (fields.length % options.perRow !== 0) {
    throw new AppError({ code: "internal", message: "a read's text did not come in whole rows" });
  }
  return fields;
}
