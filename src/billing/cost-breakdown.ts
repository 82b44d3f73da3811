import type { AppContext } from "../context.js";
import { listBillingAccounts } from "../db/billing-accounts.js";
import type { Queryable } from "../db/database.js";
import { invoiceShareSums, settlementsOf } from "../db/invoices.js";
import { intervalsOverlapping } from "../db/ledger.js";
import { flatShareSums, type LedgerMonthSegment, type ShareColumn } from "../db/ledger-costs.js";
import { projectLabels } from "../db/projects.js";
import { storedPriceVersions } from "../db/resource-pricing.js";
import { resourceLabels } from "../db/resources.js";
import { epochSeconds, monthsOverlapping, periodSeconds } from "../domain/billing-period.js";
import { computeCharges } from "../domain/charges.js";
import { flatRates } from "../domain/flat-rates.js";
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

export interface CostBreakdown {
  currency: string;
  from: Date;
  to: Date;
  total: number;
  projected_total: number;
  groups: CostGroup[];
}

const shareColumn: Record<CostGrouping, ShareColumn> = {
  project: "project_id",
  resource_type: "resource_type",
  resource: "resource_id",
  billing_account: "billing_account_id",
};

/**
 * Accrued cost of an organization in [from, to) and what it will be at `to` if what runs now keeps
 * running. Groups are sums of per-resource shares that the domain already split exactly, so they
 * add up to the totals to the minor unit, inherited projects included.
 *
 * A calendar month wholly inside the window whose invoice an account has finalized (or settled
 * with nothing billed) is read from the invoice's frozen shares, not recomputed: a later price
 * change or restart cannot change a closed month's cost. Only the rest (the open month, a month
 * cut by `from` or `to`, a month not yet finalized) is charged from the ledger. Lines are per
 * (account, price, month) either way, so the totals stay exact.
 *
 * The database does the sums: frozen shares and the ledger's lines at flat prices arrive summed
 * by group, so the work here grows with the groups, not with months or intervals. Only tiered
 * prices, whose rate depends on the quantity at each instant, are swept here by `computeCharges`.
 */
export async function costBreakdown(options: {
  ctx: AppContext;
  db: Queryable;
  organizationId: string;
  currency: string;
  from: Date;
  to: Date;
  groupBy: CostGrouping;
}): Promise<CostBreakdown> {
  const { ctx, db, organizationId, from, to, groupBy } = options;
  const column = shareColumn[groupBy];
  const accounts = await listBillingAccounts({ db, organizationId });
  const settlements = await settlementsOf({ db, billingAccountIds: accounts.map((a) => a.id) });
  const now = ctx.clock();
  const accruedUntil = new Date(Math.min(Math.max(now.getTime(), from.getTime()), to.getTime()));
  const segments = ledgerSegments({ from, to, accountIds: accounts.map((a) => a.id), settlements });
  // Versions another process recorded since this one read the book are loaded first.
  const prices = await priceBookFor({ ctx, db, refs: await storedPriceVersions({ db }) });
  const { rates, epochs, swept } = flatRates(prices);

  const groups = new Map<string, CostGroup>();
  const groupOf = (key: string) => {
    let group = groups.get(key);
    if (!group) {
      group = { key, name: key, amount: 0, projected_amount: 0 };
      groups.set(key, group);
    }
    return group;
  };
  let total = 0;
  let projectedTotal = 0;
  const add = (key: string, amount: number, projected: number) => {
    const group = groupOf(key);
    group.amount += amount;
    group.projected_amount += projected;
    total += amount;
    projectedTotal += projected;
  };

  for (const sum of await invoiceShareSums({ db, settlements, from, to, column })) {
    add(sum.key, sum.amount, sum.amount);
  }
  for (const sum of await flatShareSums({
    db,
    segments,
    rates,
    epochs,
    accruedUntil: epochSeconds(accruedUntil),
    projectedUntil: epochSeconds(to),
    column,
  })) {
    add(sum.key, sum.amount, sum.projected_amount);
  }
  if (swept.length > 0 && segments.length > 0) {
    // One read for every segment: the rows of tiered prices, swept by the domain.
    const intervals = await intervalsOverlapping({
      db,
      billingAccountIds: [...new Set(segments.flatMap((s) => s.billing_account_ids))],
      from: new Date((segments[0] as LedgerMonthSegment).from * 1000),
      to: new Date((segments.at(-1) as LedgerMonthSegment).to * 1000),
      prices: swept,
    });
    for (const segment of segments) {
      const accounts = new Set(segment.billing_account_ids);
      const charges = (openUntil: Date) =>
        computeCharges({
          intervals: intervals.filter((i) => accounts.has(i.billing_account_id)),
          prices,
          from: new Date(segment.from * 1000),
          to: new Date(segment.to * 1000),
          openUntil,
        });
      for (const share of charges(accruedUntil).shares) add(share[column], share.amount, 0);
      for (const share of charges(to).shares) add(share[column], 0, share.amount);
    }
  }
  // Usage so far, month by month (tiers and packages apply to a month's total); a projection
  // does not extrapolate it.
  for (const segment of segments) {
    const metered = await meteredCharges({
      ctx,
      db,
      billingAccountIds: segment.billing_account_ids,
      from: new Date(segment.from * 1000),
      to: new Date(segment.to * 1000),
    });
    for (const share of metered.shares) add(share[column], share.amount, share.amount);
  }

  await labelGroups({ ctx, db, groupBy, groups, accounts });
  return {
    currency: options.currency,
    from,
    to,
    total,
    projected_total: projectedTotal,
    groups: [...groups.values()].sort(
      (a, b) => b.projected_amount - a.projected_amount || a.name.localeCompare(b.name),
    ),
  };
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
  groups: Map<string, CostGroup>;
  accounts: { id: string; name: string }[];
}): Promise<void> {
  const { ctx, db, groupBy, groups } = options;
  const keys = [...groups.keys()];
  switch (groupBy) {
    case "project": {
      const labels = await projectLabels({ db, ids: keys });
      for (const group of groups.values()) {
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
      for (const group of groups.values()) {
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
      for (const group of groups.values()) group.name = names.get(group.key) ?? group.key;
      return;
    }
    case "resource_type": {
      const names = new Map(ctx.catalog.resourceTypes.map((t) => [t.type, t.name]));
      for (const group of groups.values()) group.name = names.get(group.key) ?? group.key;
      return;
    }
  }
}
