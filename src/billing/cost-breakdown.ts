import type { AppContext } from "../context.js";
import { listBillingAccounts } from "../db/billing-accounts.js";
import type { Queryable } from "../db/database.js";
import { intervalsOverlapping } from "../db/ledger.js";
import { projectLabels } from "../db/projects.js";
import { resourceLabels } from "../db/resources.js";
import { type ChargeShare, computeCharges } from "../domain/charges.js";
import { priceBookFor } from "./find-price.js";

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

const groupKey: Record<CostGrouping, (share: ChargeShare) => string> = {
  project: (s) => s.project_id,
  resource_type: (s) => s.resource_type,
  resource: (s) => s.resource_id,
  billing_account: (s) => s.billing_account_id,
};

/**
 * Accrued cost of an organization in [from, to) and what it will be at `to` if what runs now keeps
 * running. Groups are sums of per-resource shares that the domain already split exactly, so they
 * add up to the totals to the minor unit, inherited projects included.
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
  const intervals = await intervalsOverlapping({
    db,
    billingAccountIds: accounts.map((a) => a.id),
    from,
    to,
  });
  const now = ctx.clock();
  const prices = await priceBookFor({ ctx, db, refs: intervals });
  const accruedUntil = new Date(Math.min(Math.max(now.getTime(), from.getTime()), to.getTime()));
  const accrued = computeCharges({
    intervals,
    prices,
    from,
    to,
    openUntil: accruedUntil,
  });
  const projected = computeCharges({
    intervals,
    prices,
    from,
    to,
    openUntil: to,
  });

  const groups = new Map<string, CostGroup>();
  const groupOf = (share: ChargeShare) => {
    const key = groupKey[groupBy](share);
    let group = groups.get(key);
    if (!group) {
      group = { key, name: key, amount: 0, projected_amount: 0 };
      groups.set(key, group);
    }
    return group;
  };
  for (const share of accrued.shares) groupOf(share).amount += share.amount;
  for (const share of projected.shares) groupOf(share).projected_amount += share.amount;

  await labelGroups({ ctx, db, groupBy, groups, accounts });
  return {
    currency: options.currency,
    from,
    to,
    total: accrued.total,
    projected_total: projected.total,
    groups: [...groups.values()].sort(
      (a, b) => b.projected_amount - a.projected_amount || a.name.localeCompare(b.name),
    ),
  };
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
