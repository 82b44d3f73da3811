/** Which account pays for a project. Pure. */
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
