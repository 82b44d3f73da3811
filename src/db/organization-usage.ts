import { sql } from "kysely";
import type { Queryable } from "./database.js";
import { cached, first, sqlb } from "./typed.js";

export type UsageKind = "projects" | "resources" | "billing_accounts" | "members";

/**
 * What the organization holds of one kind, summed over the shards the triggers of migrations
 * 009/011 keep, counting the caller's own write. Call it after that write, in its transaction:
 * it also takes the lock on (kind, organization) that makes `used <= quota` exact at commit —
 * shared far from `quota` (creates run side by side), exclusive near it (one at a time). One
 * statement either way; the reasoning is in 011_sharded_quota_counters.sql.
 */
export async function countForQuota(options: {
  db: Queryable;
  organizationId: string;
  kind: UsageKind;
  quota: number;
}): Promise<number> {
  const { db, ...params } = options;
  const row = await first(db, countForQuotaQuery(params));
  return row?.used ?? 0;
}

const countForQuotaQuery = cached(
  ({ organizationId, kind, quota }: { organizationId: string; kind: UsageKind; quota: number }) =>
    sqlb.selectNoFrom(
      sql<number>`ktrlplane.count_for_quota(${organizationId}, ${kind}, ${quota}::integer)`.as(
        "used",
      ),
    ),
);
