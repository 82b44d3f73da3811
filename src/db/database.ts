/**
 * The one database port. Both adapters (PostgreSQL through `pg`, embedded PGlite) run the same SQL;
 * repositories only see `Queryable`, so they work inside or outside a transaction alike.
 */
export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
}

export interface Database extends Queryable {
  readonly kind: "postgres" | "pglite";
  /**
   * Runs `work` in one transaction: committed when it resolves, rolled back when it throws. Its
   * statements run in the order `query` was called: the work may send the next before the answer
   * to the last has come, and statements sent together reach PostgreSQL in one round trip.
   */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
