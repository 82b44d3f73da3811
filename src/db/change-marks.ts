import { sql } from "kysely";
import type { Queryable } from "./database.js";
import { rows, sqlb } from "./typed.js";

/**
 * Consumes, in one statement, every change mark older than `olderThanMs` and records each account
 * they named as in step: for a provider that keeps no copy of the ledger, a mark asks for nothing
 * but its removal. A mark committed later is consumed by a later call; two workers running this at
 * once each remove distinct marks (a row is deleted once). Returns the accounts marked in step.
 */
export async function consumeChangeMarks(options: {
  db: Queryable;
  olderThanMs: number;
}): Promise<string[]> {
  const query = sql<{ billing_account_id: string }>`
    WITH consumed AS (
      DELETE FROM ktrlplane.billing_account_changes
      WHERE changed_at <= now() - make_interval(secs => ${options.olderThanMs / 1000}::float8)
      RETURNING billing_account_id
    )
    INSERT INTO ktrlplane.billing_account_sync AS s (billing_account_id, last_synced_at)
    SELECT DISTINCT billing_account_id, now() FROM consumed
    ON CONFLICT (billing_account_id) DO UPDATE
      SET last_synced_at = now(), last_error = NULL, attempts = 0, next_attempt_at = NULL
    RETURNING s.billing_account_id
  `;
  const consumed = await rows(options.db, query.compile(sqlb));
  return consumed.map((r) => r.billing_account_id);
}
