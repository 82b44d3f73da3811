import { type RawBuilder, sql } from "kysely";
import type { Queryable } from "./database.js";
import { rows, sqlb } from "./typed.js";

/**
 * Notes the resources of `source` (a query with a column r) as having changed usage at `at`
 * (migration 026): an INSERT to run as a statement or a data-modifying CTE. Rows are written in
 * resource order ("C"), the order `takeUsageChanges` locks them in, after the rollup rows. A row
 * already waiting is only locked (`WHERE false` updates nothing and writes no new version): the
 * round that takes it waits for this transaction, so it never consumes the row before these
 * events commit and its pass always sees them.
 */
export function noteUsageChanges(options: {
  source: RawBuilder<unknown>;
  at: Date;
}): RawBuilder<unknown> {
  return sql`
    INSERT INTO ktrlplane.usage_changes AS c (resource_id, changed_at)
    SELECT DISTINCT r COLLATE "C", ${options.at.toISOString()}::timestamptz
    FROM (${options.source}) AS s
    ORDER BY 1
    ON CONFLICT (resource_id) DO UPDATE SET changed_at = c.changed_at WHERE false
    RETURNING 1`;
}

/**
 * Takes (deletes) up to `limit` resources noted as changed, in the caller's transaction: the
 * caller marks their accounts in the same one. Locked in resource order as writers lock them,
 * waiting for a batch that holds one until it commits.
 */
export async function takeUsageChanges(options: {
  db: Queryable;
  limit: number;
}): Promise<string[]> {
  const taken = await rows(
    options.db,
    sql<{ resource_id: string }>`
      DELETE FROM ktrlplane.usage_changes WHERE resource_id IN (
        SELECT resource_id FROM ktrlplane.usage_changes
        ORDER BY resource_id COLLATE "C" LIMIT ${options.limit}
        FOR UPDATE)
      RETURNING resource_id`.compile(sqlb),
  );
  return taken.map((t) => t.resource_id);
}
