import { randomBytes } from "node:crypto";
import type pg from "pg";
import { loadConfig } from "../src/config.js";
import type { BenchTenant } from "./api-client.js";

// The server in the bench runs with the default quotas, so the baseline counts against the same one.
const resourceQuota = loadConfig({}).KTRLPLANE_QUOTA_RESOURCES;

/**
 * The baseline: the rows the API writes for one create and one delete (src/billing/create-resource.ts,
 * delete-resource.ts, src/db/ledger.ts), each as one plain SQL transaction on a dedicated
 * connection, and the create's quota count (src/limits/check-quota.ts, the same SQL function with
 * its lock). No authentication, authorization reads, project lock or response: just the writes.
 * No change mark: the bench's server runs the local provider, which keeps no copy of the ledger
 * and so writes none (src/db/ledger.ts `writesChangeMarks`); a baseline writing one would flatter
 * the ratio.
 */
export async function createResourceRaw(options: {
  client: pg.Client;
  tenant: BenchTenant;
  name: string;
}): Promise<string> {
  const { client, tenant } = options;
  const id = `res_${randomBytes(12).toString("base64url")}`;
  const at = new Date();
  await client.query("BEGIN");
  try {
    await client.query(
      `INSERT INTO ktrlplane.resources (id, organization_id, project_id, name, resource_type, sku, created_at)
       VALUES ($1, $2, $3, $4, 'graph', 'standard', $5)`,
      [id, tenant.organizationId, tenant.projectId, options.name, at],
    );
    await client.query(
      `INSERT INTO ktrlplane.billing_intervals
         (resource_id, project_id, billing_account_id, resource_type, sku, price_version, started_at)
       VALUES ($1, $2, $3, 'graph', 'standard', 1, $4)`,
      [id, tenant.projectId, tenant.billingAccountId, at],
    );
    await client.query("SELECT ktrlplane.count_for_quota($1, 'resources', $2)", [
      tenant.organizationId,
      resourceQuota,
    ]);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
  return id;
}

export async function deleteResourceRaw(options: { client: pg.Client; id: string }): Promise<void> {
  const { client, id } = options;
  const at = new Date();
  await client.query("BEGIN");
  try {
    await client.query(
      "UPDATE ktrlplane.resources SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL",
      [id, at],
    );
    await client.query(
      `UPDATE ktrlplane.billing_intervals SET ended_at = GREATEST($2::timestamptz, started_at)
       WHERE resource_id = $1 AND ended_at IS NULL`,
      [id, at],
    );
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
}
