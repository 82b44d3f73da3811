/**
 * Paging through a cost breakdown. The server sends the groups a page at a time (largest projected
 * amount first) with the whole window's totals on every page: the console shows pages on demand,
 * the CSV export reads them all, and the previous period is read only as far as the groups on
 * screen need.
 */
import type { Costs } from "./api";

/** One page of a breakdown: `cursor` undefined asks for the first. */
export type FetchCostPage = (cursor?: string) => Promise<Costs>;

/**
 * Every page of a breakdown as one: the first page's totals with all groups, `next_cursor` null.
 * `onProgress` hears how many groups are read so far (the export says so while it runs).
 */
export async function allCostPages(options: {
  fetchPage: FetchCostPage;
  onProgress?: (groups: number) => void;
}): Promise<Costs> {
  const first = await options.fetchPage();
  const groups = [...first.groups];
  options.onProgress?.(groups.length);
  let cursor = first.next_cursor;
  while (cursor !== null) {
    const page = await options.fetchPage(cursor);
    groups.push(...page.groups);
    options.onProgress?.(groups.length);
    cursor = page.next_cursor;
  }
  return { ...first, groups, next_cursor: null };
}

/**
 * What is known of the previous period: its first page (totals), the amounts of the groups read so
 * far, where to read on, and whether every group has been read.
 */
export interface PriorLookup {
  head: Costs | undefined;
  amounts: ReadonlyMap<string, number>;
  cursor: string | null;
  complete: boolean;
  pages: number;
}

export const emptyPrior: PriorLookup = {
  head: undefined,
  amounts: new Map(),
  cursor: null,
  complete: false,
  pages: 0,
};

/**
 * Pages of the previous period the console reads at most to find the groups on screen. The
 * previous period has no filter by key, so a group that is new (absent before) is only known to
 * be new once every page was read; past this bound the console says it did not compare.
 */
export const PRIOR_MAX_PAGES = 10;

const missing = (lookup: PriorLookup, keys: readonly string[]) =>
  keys.some((k) => !lookup.amounts.has(k));

/** Whether reading on could still tell something about `keys`. */
export function priorNeedsMore(options: {
  lookup: PriorLookup;
  keys: readonly string[];
  maxPages?: number;
}): boolean {
  const { lookup, keys, maxPages = PRIOR_MAX_PAGES } = options;
  if (lookup.head === undefined) return true;
  return !lookup.complete && lookup.pages < maxPages && missing(lookup, keys);
}

/**
 * Reads the previous period on from where `lookup` stopped until each of `keys` is found, the
 * period is read to its end, or `maxPages` pages were read in all. The first page is always read
 * (it carries the totals). Returns a new lookup; `lookup` is left as it was.
 */
export async function readPrior(options: {
  lookup: PriorLookup;
  keys: readonly string[];
  fetchPage: FetchCostPage;
  maxPages?: number;
}): Promise<PriorLookup> {
  const { keys, fetchPage, maxPages = PRIOR_MAX_PAGES } = options;
  let lookup = options.lookup;
  while (priorNeedsMore({ lookup, keys, maxPages })) {
    const page = await fetchPage(lookup.head === undefined ? undefined : (lookup.cursor as string));
    const amounts = new Map(lookup.amounts);
    for (const g of page.groups) amounts.set(g.key, g.amount);
    lookup = {
      head: lookup.head ?? page,
      amounts,
      cursor: page.next_cursor,
      complete: page.next_cursor === null,
      pages: lookup.pages + 1,
    };
  }
  return lookup;
}

/**
 * A group's amount in the previous period: found, 0 once every page was read without it (new),
 * "pending" while reading may still find it, "unknown" past the bound.
 */
export function priorAmount(options: {
  lookup: PriorLookup;
  key: string;
  maxPages?: number;
}): number | "pending" | "unknown" {
  const { lookup, key, maxPages = PRIOR_MAX_PAGES } = options;
  const amount = lookup.amounts.get(key);
  if (amount !== undefined) return amount;
  if (lookup.complete) return 0;
  return lookup.head !== undefined && lookup.pages >= maxPages ? "unknown" : "pending";
}
