import { setImmediate } from "node:timers/promises";
import type { AppContext } from "../context.js";
import { listBillingAccounts } from "../db/billing-accounts.js";
import { type Queryable, runsStatementsAtOnce } from "../db/database.js";
import { invoiceShareSums, settlementsOf } from "../db/invoices.js";
import { intervalsOverlapping, pricesBilled } from "../db/ledger.js";
import {
  type FlatLedgerOptions,
  flatLineWeights,
  flatShareSums,
  type LedgerMonthSegment,
  pricesOfResource,
  type ShareColumn,
} from "../db/ledger-costs.js";
import { projectLabels } from "../db/projects.js";
import { storedPriceVersions } from "../db/resource-pricing.js";
import { resourceLabels } from "../db/resources.js";
import { epochSeconds, monthsOverlapping, periodSeconds } from "../domain/billing-period.js";
import { computeCharges } from "../domain/charges.js";
import { type FlatLineWeight, flatLineShares } from "../domain/flat-line-shares.js";
import { flatRates, type PriceRef } from "../domain/flat-rates.js";
import { priceKey } from "../domain/pricing.js";
import { priceBookFor } from "./find-price.js";
import { meteredCharges } from "./metered-usage.js";

export type CostGrouping = "project" | "resource_type" | "resource" | "billing_account";

export interface CostGroup {
  key: string;
  name: string;
  amount: number;
  projected_amount: number;
  /** Grouped by resource: the project it belongs (or belonged) to. */
  project_id?: string;
  project_name?: string;
  /** Grouped by project or resource: it has been deleted (its past costs remain). */
  deleted?: boolean;
}

/** Where a page of groups ends: groups come by projected amount, largest first, then by key. */
export interface CostGroupKey {
  projected_amount: number;
  key: string;
}

export interface CostBreakdown {
  currency: string;
  from: Date;
  to: Date;
  /** Over every group, not only the page's. */
  total: number;
  projected_total: number;
  groups: CostGroup[];
  /** The last group's key when another page follows; null on the last page. */
  next: CostGroupKey | null;
}

const shareColumn: Record<CostGrouping, ShareColumn> = {
  project: "project_id",
  resource_type: "resource_type",
  resource: "resource_id",
  billing_account: "billing_account_id",
};

/** (projected amount desc, key asc in code-unit order): a total order, the same on every page. */
function compareGroups(a: CostGroupKey, b: CostGroupKey): number {
  if (a.projected_amount !== b.projected_amount) return b.projected_amount - a.projected_amount;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/**
 * The first `count` items in `compareGroups` order among those `after` keeps: one pass that keeps
 * a sorted page, not a sort of every group (100k groups by resource would hold the event loop for
 * tens of milliseconds).
 */
function firstInOrder(options: {
  items: Iterable<CostGroup>;
  after: ((group: CostGroup) => boolean) | undefined;
  count: number;
}): CostGroup[] {
  const { after, count } = options;
  const page: CostGroup[] = [];
  for (const item of options.items) {
    if (after && !after(item)) continue;
    const worst = page.at(-1);
    if (page.length === count && worst && compareGroups(item, worst) >= 0) continue;
    let low = 0;
    let high = page.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (compareGroups(page[mid] as CostGroup, item) < 0) low = mid + 1;
      else high = mid;
    }
    page.splice(low, 0, item);
    if (page.length > count) page.pop();
  }
  return page;
}

/**
 * Accrued cost of an organization in [from, to) and what it will be at `to` if what runs now keeps
 * running, one page of groups at a time. Groups are sums of per-resource shares that the domain
 * already split exactly, so all the pages' groups add up to the totals to the minor unit,
 * inherited projects included; the totals are the whole window's on every page.
 *
 * Paging bounds what leaves the server and what is labelled (one read of names for the page's
 * groups); the sums themselves are the database's, over the whole window, as the totals need.
 */
export async function costBreakdown(options: {
  ctx: AppContext;
  db: Queryable;
  organizationId: string;
  currency: string;
  from: Date;
  to: Date;
  groupBy: CostGrouping;
  page: { limit: number; after?: CostGroupKey | undefined };
}): Promise<CostBreakdown> {
  const { ctx, db, groupBy, page } = options;
  const summed = await sumCosts({ ...options, column: shareColumn[groupBy] });
  const after = page.after;
  const found = firstInOrder({
    items: summed.groups.values(),
    after: after && ((g: CostGroup) => compareGroups(g, after) > 0),
    count: page.limit + 1,
  });
  const rows = found.slice(0, page.limit);
  const last = rows.at(-1);
  await labelGroups({ ctx, db, groupBy, groups: rows, accounts: summed.accounts });
  return {
    currency: options.currency,
    from: options.from,
    to: options.to,
    total: summed.total,
    projected_total: summed.projectedTotal,
    groups: rows,
    next:
      found.length > page.limit && last
        ? { projected_amount: last.projected_amount, key: last.key }
        : null,
  };
}

/**
 * The sums behind the costs, by `column`, unlabelled. A calendar month wholly inside the window
 * whose invoice an account has finalized (or settled with nothing billed) is read from the
 * invoice's frozen shares, not recomputed: a later price change or restart cannot change a closed
 * month's cost. Only the rest (the open month, a month cut by `from` or `to`, a month not yet
 * finalized) is charged from the ledger. Lines are per (account, price, month) either way, so the
 * totals stay exact.
 *
 * The database does the sums: frozen shares arrive summed per group (by resource, per account and
 * year), and the ledger's lines at flat prices summed by group, or by resource as each line's
 * seconds per resource, which the domain splits here; so the work here grows with the groups and
 * the resources billed in the window, not with months or intervals. Tiered prices, whose rate
 * depends on the quantity at each instant, are swept here by `computeCharges`.
 *
 * With `resourceId`, only what that resource can owe is read: its frozen shares, its own
 * intervals at flat prices (each line its own charge, rounded once: within one minor unit of its
 * share of the account's line), and, for the tiered and metered prices it ran at, the account's
 * lines of those prices alone (a tier depends on the account's whole quantity), so its share
 * there is exact.
 */
export async function sumCosts(options: {
  ctx: AppContext;
  db: Queryable;
  organizationId: string;
  from: Date;
  to: Date;
  column: ShareColumn;
  resourceId?: string | undefined;
}): Promise<{
  groups: Map<string, CostGroup>;
  total: number;
  projectedTotal: number;
  accounts: { id: string; name: string }[];
}> {
  const { ctx, db, organizationId, from, to, column, resourceId } = options;
  const accounts = await listBillingAccounts({ db, organizationId });
  const settlements = await settlementsOf({ db, billingAccountIds: accounts.map((a) => a.id) });
  const now = ctx.clock();
  const accruedUntil = new Date(Math.min(Math.max(now.getTime(), from.getTime()), to.getTime()));
  const segments = ledgerSegments({ from, to, accountIds: accounts.map((a) => a.id), settlements });
  // Versions another process recorded since this one read the book are loaded first.
  const prices = await priceBookFor({ ctx, db, refs: await storedPriceVersions({ db }) });
  const flat = flatRates(prices);
  // One resource: the tiered and metered prices it ran at, from its own intervals.
  const itsPrices =
    resourceId === undefined ? undefined : await pricesOfResource({ db, resourceId, from, to });
  const ran = itsPrices && new Set(itsPrices.map(priceKey));
  const window =
    segments.length === 0
      ? undefined
      : {
          billingAccountIds: [...new Set(segments.flatMap((s) => s.billing_account_ids))],
          from: new Date((segments[0] as LedgerMonthSegment).from * 1000),
          to: new Date((segments.at(-1) as LedgerMonthSegment).to * 1000),
        };
  // The tiered and metered prices the window holds intervals of: only those are read below.
  const billed = window
    ? pricesBilled({
        db,
        ...window,
        prices: [...flat.swept, ...meteredPrices(ctx)].filter((p) => !ran || ran.has(priceKey(p))),
      }).then((found) => new Set(found.map(priceKey)))
    : Promise.resolve(new Set<string>());

  const groups = new Map<string, CostGroup>();
  const add = (key: string, amount: number, projected: number) => {
    let group = groups.get(key);
    if (!group) {
      group = { key, name: key, amount: 0, projected_amount: 0 };
      groups.set(key, group);
    }
    group.amount += amount;
    group.projected_amount += projected;
  };

  // The reads below do not depend on each other: issued together, a pool runs them on as many
  // connections (the request waits for the slowest, not for their sum); one connection or PGlite
  // runs them in turn as before. Each read's sums are added as they arrive, while the others are
  // still read (sums of integers: the order does not change them).
  const [, , tieredIntervals, meteredSegments] = await Promise.all([
    invoiceShareSums({ db, settlements, from, to, column, resourceId }).then(async (parts) => {
      for (const part of parts) {
        await setImmediate();
        for (const sum of part()) add(sum.key, sum.amount, sum.amount);
      }
    }),
    // A line is one account's: the accounts' parts are summed by statements of their own, which a
    // pool runs at once on as many connections.
    Promise.all(
      segmentsByAccounts({
        segments,
        parts: resourceId === undefined && runsStatementsAtOnce(db) ? flatStatementsAtOnce : 1,
      }).map((part) =>
        addFlatLedgerSums({
          db,
          segments: part,
          rates: flat.rates,
          epochs: flat.epochs,
          accruedUntil: epochSeconds(accruedUntil),
          projectedUntil: epochSeconds(to),
          column,
          resourceId,
          add,
        }),
      ),
    ),
    billed.then((found) => {
      const swept = flat.swept.filter((p) => found.has(priceKey(p)));
      // One read for every segment: the rows of tiered prices, swept by the domain.
      return window && swept.length > 0
        ? intervalsOverlapping({ db, ...window, prices: swept })
        : undefined;
    }),
    // Usage so far, month by month (tiers and packages apply to a month's total); a projection
    // does not extrapolate it.
    billed.then((found) => {
      const metered = meteredPrices(ctx).filter((p) => found.has(priceKey(p)));
      return Promise.all(
        (metered.length === 0 ? [] : segments).map((segment) =>
          meteredCharges({
            ctx,
            db,
            billingAccountIds: segment.billing_account_ids,
            from: new Date(segment.from * 1000),
            to: new Date(segment.to * 1000),
            prices: metered,
          }),
        ),
      );
    }),
  ]);
  if (tieredIntervals) {
    for (const segment of segments) {
      const accounts = new Set(segment.billing_account_ids);
      const charges = (openUntil: Date) =>
        computeCharges({
          intervals: tieredIntervals.filter((i) => accounts.has(i.billing_account_id)),
          prices,
          from: new Date(segment.from * 1000),
          to: new Date(segment.to * 1000),
          openUntil,
        });
      for (const share of charges(accruedUntil).shares) add(share[column], share.amount, 0);
      for (const share of charges(to).shares) add(share[column], 0, share.amount);
    }
  }
  for (const metered of meteredSegments) {
    for (const share of metered.shares) add(share[column], share.amount, share.amount);
  }
  // The totals from the groups, once, rather than kept up on each of ~30k adds (sums of
  // integers: the same either way).
  let total = 0;
  let projectedTotal = 0;
  for (const group of groups.values()) {
    total += group.amount;
    projectedTotal += group.projected_amount;
  }
  return { groups, total, projectedTotal, accounts };
}

/**
 * Adds the ledger's charges at flat prices by `column`. By project, type or account the database
 * sums them; by resource it reads each line's weights and the domain splits the lines one at a
 * time, the event loop free between decoding a line, splitting it and adding its shares (a year
 * of lines at 10k resources holds ~240k weights; one line's split is ~5 ms).
 */
async function addFlatLedgerSums(
  options: FlatLedgerOptions & {
    column: ShareColumn;
    add: (key: string, amount: number, projected: number) => void;
  },
): Promise<void> {
  const { column, add, ...ledger } = options;
  if (column !== "resource_id") {
    for (const sum of await flatShareSums({ ...ledger, column })) {
      add(sum.key, sum.amount, sum.projected_amount);
    }
    return;
  }
  for (const line of await flatLineWeights(ledger)) {
    const weights: FlatLineWeight[] = [];
    for (const part of line.parts) {
      await setImmediate();
      for (const weight of part()) weights.push(weight);
    }
    await setImmediate();
    const shares = flatLineShares({
      unitAmount: line.unit_amount,
      monthSeconds: line.month_seconds,
      weights,
    });
    await inTurns({
      items: shares,
      each: (share) => add(share.resource_id, share.amount, share.projected_amount),
    });
  }
}

/**
 * Adds at most this many sums in one turn of the event loop (~1 ms): a cost query by resource
 * adds ~30k, and the server answers other requests between turns (/healthz while cost queries
 * run, bench section `healthz-under-load`).
 */
const addsPerTurn = 5_000;

/** `each` over `items`, giving the event loop a turn after every `addsPerTurn` of them. */
async function inTurns<T>(options: { items: T[]; each: (item: T) => void }): Promise<void> {
  const { items, each } = options;
  for (let start = 0; start < items.length; start += addsPerTurn) {
    if (start > 0) await setImmediate();
    const end = Math.min(start + addsPerTurn, items.length);
    for (let i = start; i < end; i++) each(items[i] as T);
  }
}

/** The catalog's prices that bill usage in some version. */
function meteredPrices(ctx: AppContext): PriceRef[] {
  return [...ctx.catalog.prices.values()]
    .filter((versions) => versions.some((v) => v.price.meter))
    .flatMap((versions) => versions.slice(0, 1).map((v) => v.price));
}

/**
 * At most this many statements sum one query's ledger at once: a leader and two workers, what
 * PostgreSQL's own parallel query takes by default (`max_parallel_workers_per_gather` = 2), which
 * cannot split this statement itself (its ranking is window functions over CTEs).
 */
const flatStatementsAtOnce = 3;

/**
 * The segments in at most `parts` parts by account, each account in one part (round robin): every
 * line, and so every split of one, stays within a part, so the parts' sums add up to the whole's.
 */
function segmentsByAccounts(options: {
  segments: LedgerMonthSegment[];
  parts: number;
}): LedgerMonthSegment[][] {
  const { segments } = options;
  const ids = [...new Set(segments.flatMap((s) => s.billing_account_ids))];
  const parts = Math.min(options.parts, ids.length);
  if (parts <= 1) return [segments];
  const partOf = new Map(ids.map((id, n) => [id, n % parts]));
  return Array.from({ length: parts }, (_, part) =>
    segments
      .map((s) => ({
        ...s,
        billing_account_ids: s.billing_account_ids.filter((id) => partOf.get(id) === part),
      }))
      .filter((s) => s.billing_account_ids.length > 0),
  );
}

/**
 * The parts of [from, to) to charge from the ledger, month by month, and for which accounts: the
 * month's stretch of the window, less the accounts whose invoice froze that month (a month wholly
 * in the window that the account is settled through).
 */
function ledgerSegments(options: {
  from: Date;
  to: Date;
  accountIds: string[];
  settlements: Map<string, Date>;
}): LedgerMonthSegment[] {
  const { from, to, accountIds, settlements } = options;
  const segments: LedgerMonthSegment[] = [];
  for (const month of monthsOverlapping({ from, to })) {
    const whole = month.start >= from && month.end <= to;
    const open = accountIds.filter(
      (id) => !whole || (settlements.get(id)?.getTime() ?? -Infinity) < month.end.getTime(),
    );
    if (open.length === 0) continue;
    segments.push({
      billing_account_ids: open,
      from: epochSeconds(new Date(Math.max(month.start.getTime(), from.getTime()))),
      to: epochSeconds(new Date(Math.min(month.end.getTime(), to.getTime()))),
      month_start: epochSeconds(month.start),
      month_seconds: periodSeconds(month),
    });
  }
  return segments;
}

/** Names the groups; resources also get their project, projects and resources a deleted mark. */
async function labelGroups(options: {
  ctx: AppContext;
  db: Queryable;
  groupBy: CostGrouping;
  groups: CostGroup[];
  accounts: { id: string; name: string }[];
}): Promise<void> {
  const { ctx, db, groupBy, groups } = options;
  if (groups.length === 0) return;
  const keys = groups.map((g) => g.key);
  switch (groupBy) {
    case "project": {
      const labels = await projectLabels({ db, ids: keys });
      for (const group of groups) {
        const label = labels.get(group.key);
        group.name = label?.name ?? group.key;
        group.deleted = label?.deleted ?? false;
      }
      return;
    }
    case "resource": {
      const labels = await resourceLabels({ db, ids: keys });
      const projects = await projectLabels({
        db,
        ids: [...new Set([...labels.values()].map((l) => l.project_id))],
      });
      for (const group of groups) {
        const label = labels.get(group.key);
        group.name = label?.name ?? group.key;
        group.deleted = label?.deleted ?? false;
        if (label) {
          group.project_id = label.project_id;
          group.project_name = projects.get(label.project_id)?.name ?? label.project_id;
        }
      }
      return;
    }
    case "billing_account": {
      const names = new Map(options.accounts.map((a) => [a.id, a.name]));
      for (const group of groups) group.name = names.get(group.key) ?? group.key;
      return;
    }
    case "resource_type": {
      const names = new Map(ctx.catalog.resourceTypes.map((t) => [t.type, t.name]));
      for (const group of groups) group.name = names.get(group.key) ?? group.key;
      return;
    }
  }
}
