import type { Config } from "../config.js";
import type { Queryable } from "../db/database.js";
import { countForQuota, type UsageKind } from "../db/organization-usage.js";
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
 * Call right after the write that adds one `quota` to the organization, in the same transaction
 * (a transaction adds at most one unit of each kind). The count includes that write, and the
 * lock it leaves until commit keeps any two creates from both taking the last unit. After this
 * call a transaction may still write kinds written by no one before their check (resources, last
 * in create-resource), nothing else: that keeps lock waits free of cycles. Over the quota the transaction must not commit: this throws.
 */
export async function checkQuota(options: {
  tx: Queryable;
  quotas: Quotas;
  organizationId: string;
  quota: UsageKind;
  /** A refusal that outranks the quota's, given the count (which includes the caller's write). */
  refuseFirst?: (used: number) => Promise<void>;
}): Promise<void> {
  const { tx, quotas, organizationId, quota } = options;
  const limit = quotas[quota];
  const used = await countForQuota({ db: tx, organizationId, kind: quota, quota: limit });
  await options.refuseFirst?.(used);
  if (used > limit) {
    throw new AppError({
      code: "quota_exceeded",
      message: `The organization holds its quota of ${limit} ${quota.replace("_", " ")}: remove some first, or ask for a higher quota`,
      details: { quota, limit },
    });
  }
}
