/**
 * The one database port. Both adapters (PostgreSQL through `pg`, embedded PGlite) run the same SQL;
 * repositories only see `Queryable`, so they work inside or outside a transaction alike.
 */
export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
}

/**
 * The statements of one transaction (see `Database.transaction`). They run in the order `query`
 * was called: the work may send the next before the answer to the last has come, and statements
 * sent together reach PostgreSQL in one round trip.
 */
export interface Transaction extends Queryable {
  /**
   * The transaction's last statement, with its COMMIT sent right behind it: one round trip for
   * both. It resolves once both succeeded; if the statement fails, the transaction rolls back.
   * Nothing the work does afterwards (a throw included) can undo it, and it may send no other
   * statement: use it only for a statement whose answer cannot refuse what the transaction wrote.
   */
  queryAndCommit<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
}

export interface Database extends Queryable {
  readonly kind: "postgres" | "pglite";
  /**
   * Runs `work` in one transaction: committed when it resolves, rolled back when it throws
   * (unless `queryAndCommit` committed it already).
   */
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Whether statements sent on `db` without waiting run at once: a PostgreSQL pool gives each its
 * own connection; PGlite (one connection) and a transaction run them in turn.
 */
export function runsStatementsAtOnce(db: Queryable): boolean {
  return "kind" in db && (db as Database).kind === "postgres";
}
