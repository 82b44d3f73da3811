import { sql } from "kysely";
import type { Queryable } from "./database.js";
import { rows, sqlb } from "./typed.js";

/**
 * Consumes, in one statement, every change mark older than `olderThanMs`: for a provider that
 * keeps no copy of the ledger, a mark asks for nothing but its removal. It records no sync of the
 * account: nothing was compared with any provider, and a provider that later takes over this
 * database must find the account never synced (`accountsDueForFullSync` puts those first). A mark
 * committed later is consumed by a later call; two workers running this at once each remove
 * distinct marks (a row is deleted once). Returns the accounts the marks named.
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
    SELECT DISTINCT billing_account_id FROM consumed
  `;
  const consumed = await rows(options.db, query.compile(sqlb));
  return consumed.map((r) => r.billing_account_id);
}
