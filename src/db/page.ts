import { type RawBuilder, type SelectQueryBuilder, sql } from "kysely";

/**
 * Lists are paged by keyset on (created_at, id): stable while rows come and go, and each page
 * costs an index range scan of its own size, however long the list. `PageKey` is the last row's
 * key of the previous page.
 */
export interface PageKey {
  at: Date;
  id: string;
}

/** What a list query is asked for: `limit` rows after `after` (it fetches one more). */
export interface PageRequest {
  limit: number;
  after?: PageKey | undefined;
}

export interface Page<Row> {
  rows: Row[];
  /** The key to continue after; null on the last page. */
  next: PageKey | null;
}

/** `(at, id) > key` (or `<` going newest first), for a list's WHERE clause. */
function afterKey(options: {
  at: string;
  id: string;
  key: PageKey;
  order?: "asc" | "desc";
}): RawBuilder<boolean> {
  const { at, id, key } = options;
  const direction = sql.raw(options.order === "desc" ? "<" : ">");
  return sql<boolean>`(${sql.ref(at)}, ${sql.ref(id)}) ${direction} (${key.at.toISOString()}::timestamptz, ${key.id})`;
}

/**
 * Orders a list query by (at, id) and, when a page is asked for, keeps the rows after its key and
 * fetches `limit + 1` of them (the one more tells whether another page follows). Use through
 * `.$call((qb) => paged(qb, {...}))`.
 */
// biome-ignore lint/suspicious/noExplicitAny: any query over any tables; only ORDER BY and LIMIT are added
export function paged<QB extends SelectQueryBuilder<any, any, any>>(
  qb: QB,
  options: { at: string; id: string; page?: PageRequest | undefined; order?: "asc" | "desc" },
): QB {
  const { at, id, page } = options;
  const order = options.order ?? "asc";
  let query = qb;
  if (page?.after !== undefined) {
    query = query.where(afterKey({ at, id, key: page.after, order })) as QB;
  }
  query = query.orderBy(sql.ref(at), order).orderBy(sql.ref(id), order) as QB;
  return page === undefined ? query : (query.limit(page.limit + 1) as QB);
}

/** The key of rows paged by (created_at, id), the order of most lists. */
export function creationKey(row: { created_at: Date; id: string }): PageKey {
  return { at: row.created_at, id: row.id };
}

/** Splits the `limit + 1` rows a list query fetched into the page and whether one follows. */
export function toPage<Row>(options: {
  found: Row[];
  limit: number;
  keyOf: (row: Row) => PageKey;
}): Page<Row> {
  const { found, limit, keyOf } = options;
  const rows = found.slice(0, limit);
  const last = rows.at(-1);
  return { rows, next: found.length > limit && last ? keyOf(last) : null };
}
