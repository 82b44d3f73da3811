import { sql } from "kysely";
import type { Queryable } from "./database.js";
import { rows, sqlb, textArray } from "./typed.js";

/**
 * The accounts these resources were billed to for one of the metered prices at some instant since
 * `since`: the accounts whose usage a provider's meters may be owed once the resources' usage
 * changed. Read by resource from the ledger (billing_intervals_by_resource).
 */
export async function accountsWithMeteredPrices(options: {
  db: Queryable;
  metered: { resource_type: string; sku: string }[];
  resourceIds: string[];
  since: Date;
}): Promise<string[]> {
  const { db, metered } = options;
  if (metered.length === 0 || options.resourceIds.length === 0) return [];
  const found = await rows(
    db,
    sql<{ billing_account_id: string }>`
      SELECT DISTINCT i.billing_account_id
      FROM ktrlplane.billing_intervals i
      JOIN unnest(${textArray(metered.map((m) => m.resource_type))},
                  ${textArray(metered.map((m) => m.sku))}) AS m(resource_type, sku)
        ON m.resource_type = i.resource_type AND m.sku = i.sku
      WHERE i.resource_id = ANY(${textArray(options.resourceIds)})
        AND (i.ended_at IS NULL OR i.ended_at > ${options.since.toISOString()}::timestamptz)
      ORDER BY i.billing_account_id`.compile(sqlb),
  );
  return found.map((r) => r.billing_account_id);
}
