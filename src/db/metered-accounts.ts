import { sql } from "kysely";
import type { Queryable } from "./database.js";
import { rows, sqlb, textArray } from "./typed.js";

/**
 * The accounts billed for one of the metered prices at some instant since `since` (a resource of
 * theirs was on such a price): the accounts whose usage a provider's meters may still be owed.
 * Uses the ledger's (resource_type, sku) columns; at most `limit` accounts after `after`.
 */
export async function accountsWithMeteredPrices(options: {
  db: Queryable;
  metered: { resource_type: string; sku: string }[];
  since: Date;
  after?: string;
  limit: number;
}): Promise<string[]> {
  const { db, metered } = options;
  if (metered.length === 0) return [];
  const found = await rows(
    db,
    sql<{ billing_account_id: string }>`
      SELECT DISTINCT i.billing_account_id
      FROM ktrlplane.billing_intervals i
      JOIN unnest(${textArray(metered.map((m) => m.resource_type))},
                  ${textArray(metered.map((m) => m.sku))}) AS m(resource_type, sku)
        ON m.resource_type = i.resource_type AND m.sku = i.sku
      WHERE (i.ended_at IS NULL OR i.ended_at > ${options.since.toISOString()}::timestamptz)
        AND i.billing_account_id > ${options.after ?? ""}
      ORDER BY i.billing_account_id
      LIMIT ${options.limit}`.compile(sqlb),
  );
  return found.map((r) => r.billing_account_id);
}
