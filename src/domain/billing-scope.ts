/**
 * Which account pays for a project, and what moving it means. Pure: the callers fetch the rows
 * and apply the plan; previews (`dry_run`) compute the same plan and stop.
 */
export type BillingMode = "inherit" | "separate";

export interface ProjectBillingSetting {
  mode: BillingMode;
  /** Set only for `separate`; an inheriting project follows the organization's primary account. */
  billing_account_id: string | null;
}

export function resolveBillingAccountId(options: {
  project: ProjectBillingSetting;
  primaryBillingAccountId: string;
}): string {
  const { project, primaryBillingAccountId } = options;
  if (project.mode === "inherit") return primaryBillingAccountId;
  if (!project.billing_account_id) throw new Error("separate billing without an account");
  return project.billing_account_id;
}

export interface ActiveBilling {
  resource_id: string;
  billing_account_id: string;
}

export interface BillingSwitchPlan<T extends ActiveBilling> {
  fromAccountId: string;
  toAccountId: string;
  /** Intervals to close at `at` … */
  close: T[];
  /** … and to open at the very same instant on the target account. */
  open: T[];
  at: Date;
}

export function planBillingSwitch<T extends ActiveBilling>(options: {
  fromAccountId: string;
  toAccountId: string;
  openIntervals: T[];
  at: Date;
}): BillingSwitchPlan<T> {
  const { fromAccountId, toAccountId, openIntervals, at } = options;
  // Intervals already on the target stay open: closing and reopening them would add nothing.
  const moving = openIntervals.filter((i) => i.billing_account_id !== toAccountId);
  return {
    fromAccountId,
    toAccountId,
    close: moving,
    open: moving.map((i) => ({ ...i, billing_account_id: toAccountId })),
    at,
  };
}
