import type { AppContext } from "../context.js";
import { listBillingAccounts } from "../db/billing-accounts.js";
import type { Queryable } from "../db/database.js";
import { invoiceSharesWithin, settlementsOf } from "../db/invoices.js";
import { intervalsOverlapping } from "../db/ledger.js";
import { projectLabels } from "../db/projects.js";
import { resourceLabels } from "../db/resources.js";
import { monthsOverlapping } from "../domain/billing-period.js";
import { type ChargeShare, computeCharges } from "../domain/charges.js";
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

/** What a share is grouped by: the ledger's shares and the invoices' frozen ones alike. */
type Share = Pick<
  ChargeShare,
  "project_id" | "resource_type" | "resource_id" | "billing_account_id"
>;

const groupKey: Record<CostGrouping, (share: Share) => string> = {
  project: (s) => s.project_id,
  resource_type: (s) => s.resource_type,
  resource: (s) => s.resource_id,
  billing_account: (s) => s.billing_account_id,
};

/**
 * Accrued cost of an organization in [from, to) and what it will be at `to` if what runs now keeps
 * running. Groups are sums of per-resource shares that the domain already split exactly, so they
 * add up to the totals to the minor unit, inherited projects included.
 *
 * A calendar month wholly inside the window whose invoice an account has finalized (or settled
 * with nothing billed) is read from the invoice's frozen shares, not recomputed: a later price
 * change or restart cannot change a closed month's cost, and old months cost no ledger replay.
 * Only the rest (the open month, a month cut by `from` or `to`, a month not yet finalized) is
 * computed from the ledger. Lines are per (account, price, month) either way, so the totals stay
 * exact.
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
  const accounts = await listBillingAccounts({ db, organizationId });
  const accountIds = accounts.map((a) => a.id);
  const settlements = await settlementsOf({ db, billingAccountIds: accountIds });
  const now = ctx.clock();
  const accruedUntil = new Date(Math.min(Math.max(now.getTime(), from.getTime()), to.getTime()));

  const groups = new Map<string, CostGroup>();
  const groupOf = (share: Share) => {
    const key = groupKey[groupBy](share);
    let group = groups.get(key);
    if (!group) {
      group = { key, name: key, amount: 0, projected_amount: 0 };
      groups.set(key, group);
    }
    return group;
  };
  let total = 0;
  let projectedTotal = 0;

  for (const share of await invoiceSharesWithin({ db, billingAccountIds: accountIds, from, to })) {
    // Only what the settlement marks (read first) cover: an invoice finalized since they were
    // read is computed from the ledger below instead, never counted twice or not at all.
    const settled = settlements.get(share.billing_account_id);
    if (!settled || settled.getTime() < share.period_end.getTime()) continue;
    const group = groupOf(share);
    group.amount += share.amount;
    group.projected_amount += share.amount;
    total += share.amount;
    projectedTotal += share.amount;
  }
  for (const segment of ledgerSegments({ from, to, accountIds, settlements })) {
    const intervals = await intervalsOverlapping({
      db,
      billingAccountIds: segment.accountIds,
      from: segment.from,
      to: segment.to,
    });
    const prices = await priceBookFor({ ctx, db, refs: intervals });
    const charges = (openUntil: Date) =>
      computeCharges({
        intervals,
        prices,
        from: segment.from,
        to: segment.to,
        openUntil,
      });
    const accrued = charges(accruedUntil);
    const projected = charges(to);
    for (const share of accrued.shares) groupOf(share).amount += share.amount;
    for (const share of projected.shares) groupOf(share).projected_amount += share.amount;
    total += accrued.total;
    projectedTotal += projected.total;
    // Usage so far: the projection does not extrapolate it.
    const metered = await meteredCharges({
      ctx,
      db,
      billingAccountIds: segment.accountIds,
      ...segment,
    });
    for (const share of metered.shares) {
      groupOf(share).amount += share.amount;
      groupOf(share).projected_amount += share.amount;
    }
    total += metered.total;
    projectedTotal += metered.total;
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
 * The parts of [from, to) to compute from the ledger, and for which accounts: each month's
 * stretch of the window, less the accounts whose invoice froze that month (a month wholly in the
 * window that the account is settled through). Neighbouring months with the same accounts merge.
 */
function ledgerSegments(options: {
  from: Date;
  to: Date;
  accountIds: string[];
  settlements: Map<string, Date>;
}): { from: Date; to: Date; accountIds: string[] }[] {
  const { from, to, accountIds, settlements } = options;
  const segments: { from: Date; to: Date; accountIds: string[] }[] = [];
  for (const month of monthsOverlapping({ from, to })) {
    const whole = month.start >= from && month.end <= to;
    const open = accountIds.filter(
      (id) => !whole || (settlements.get(id)?.getTime() ?? -Infinity) < month.end.getTime(),
    );
    const segment = {
      from: new Date(Math.max(month.start.getTime(), from.getTime())),
      to: new Date(Math.min(month.end.getTime(), to.getTime())),
      accountIds: open,
    };
    const last = segments.at(-1);
    if (last && last.to.getTime() === segment.from.getTime() && sameIds(last.accountIds, open)) {
      last.to = segment.to;
    } else if (open.length > 0) {
      segments.push(segment);
    }
  }
  return segments;
}

function sameIds(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
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
