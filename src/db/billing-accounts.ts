import type { Queryable } from "./database.js";

export type BillingAccountStatus = "active" | "setup_required" | "past_due" | "unpaid" | "canceled";

export interface BillingAccountRow {
  id: string;
  organization_id: string;
  name: string;
  currency: string;
  status: BillingAccountStatus;
  scope: "organization" | "project";
  owner_project_id: string | null;
  created_at: Date;
}

export async function insertBillingAccount(options: {
  db: Queryable;
  account: BillingAccountRow;
}): Promise<void> {
  const a = options.account;
  await options.db.query(
    `INSERT INTO ktrlplane.billing_accounts
       (id, organization_id, name, currency, status, scope, owner_project_id, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      a.id,
      a.organization_id,
      a.name,
      a.currency,
      a.status,
      a.scope,
      a.owner_project_id,
      a.created_at,
    ],
  );
}

export async function getBillingAccount(options: {
  db: Queryable;
  id: string;
}): Promise<BillingAccountRow | undefined> {
  const rows = await options.db.query<BillingAccountRow>(
    "SELECT * FROM ktrlplane.billing_accounts WHERE id = $1",
    [options.id],
  );
  return rows[0];
}

export async function listBillingAccounts(options: {
  db: Queryable;
  organizationId: string;
}): Promise<BillingAccountRow[]> {
  return options.db.query<BillingAccountRow>(
    "SELECT * FROM ktrlplane.billing_accounts WHERE organization_id = $1 ORDER BY created_at, id",
    [options.organizationId],
  );
}

export async function findProjectOwnAccount(options: {
  db: Queryable;
  projectId: string;
}): Promise<BillingAccountRow | undefined> {
  const rows = await options.db.query<BillingAccountRow>(
    "SELECT * FROM ktrlplane.billing_accounts WHERE owner_project_id = $1 ORDER BY created_at LIMIT 1",
    [options.projectId],
  );
  return rows[0];
}

export async function setBillingAccountStatus(options: {
  db: Queryable;
  id: string;
  status: BillingAccountStatus;
}): Promise<void> {
  await options.db.query("UPDATE ktrlplane.billing_accounts SET status = $2 WHERE id = $1", [
    options.id,
    options.status,
  ]);
}
