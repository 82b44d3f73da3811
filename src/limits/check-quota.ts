import type { Config } from "../config.js";
import type { Queryable } from "../db/database.js";
import { type UsageKind, usageOf } from "../db/organization-usage.js";
import { AppError } from "../domain/errors.js";

/** What one organization may hold at once, set at boot (`KTRLPLANE_QUOTA_*`). */
export type Quotas = Record<UsageKind, number>;

export function quotasOf(config: Config): Quotas {
  return {
    projects: config.KTRLPLANE_QUOTA_PROJECTS,
    resources: config.KTRLPLANE_QUOTA_RESOURCES,
    billing_accounts: config.KTRLPLANE_QUOTA_BILLING_ACCOUNTS,
    members: config.KTRLPLANE_QUOTA_MEMBERS,
  };
}

/**
 * Call right after the write that adds one `quota` to the organization, in the same transaction:
 * the count includes it, and its lock makes a concurrent create wait for this one to end, so no
 * two can both take the last unit. Over the quota the transaction must not commit: this throws.
 */
export async function checkQuota(options: {
  tx: Queryable;
  quotas: Quotas;
  organizationId: string;
  quota: UsageKind;
}): Promise<void> {
  const { tx, quotas, organizationId, quota } = options;
  const limit = quotas[quota];
  const used = await usageOf({ db: tx, organizationId, kind: quota });
  if (used > limit) {
    throw new AppError({
      code: "quota_exceeded",
      message: `The organization holds its quota of ${limit} ${quota.replace("_", " ")}: remove some first, or ask for a higher quota`,
      details: { quota, limit },
    });
  }
}
