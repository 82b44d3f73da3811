import { afterAll, describe, expect, it } from "vitest";
import { migrate } from "../../src/db/migrate.js";
import { openTestDatabase, testDatabaseAvailable } from "../support/test-database.js";

/**
 * Migration 028 queues the ledger lines Stripe still has to be told about (stripe_pending_lines).
 * An existing deployment already has finalized invoices, so 028 also queues those of its history:
 * every nonzero adjustment line and every metered charge line of an account with a Stripe
 * customer, unless an earlier pass already sent the line as an invoice item. Here a database at
 * 027's schema holds such an older deployment's rows, then migrates on as its upgrade does.
 */
describe.skipIf(!testDatabaseAvailable)("migration 028's queue of lines already invoiced", () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>> | undefined;
  afterAll(async () => {
    await db?.drop();
  });

  it("queues exactly the unsent adjustment and metered lines of accounts in Stripe", async () => {
    db = await openTestDatabase({ empty: true });
    await migrate({ db, through: 27 });
    const [before] = await db.query<{ queue: string | null }>(
      "SELECT to_regclass('ktrlplane.stripe_pending_lines')::text AS queue",
    );
    expect(before?.queue).toBeNull();

    const at = "2026-11-01T00:05:00Z";
    await db.transaction(async (tx) => {
      await tx.query(
        "INSERT INTO ktrlplane.organizations (id, name, currency, created_at) VALUES ('org_1', 'Acme', 'usd', $1)",
        [at],
      );
      // acct_s reached Stripe (a customer); acct_l never left the local ledger.
      for (const id of ["acct_s", "acct_l"]) {
        await tx.query(
          `INSERT INTO ktrlplane.billing_accounts (id, organization_id, name, currency, status, scope, created_at)
           VALUES ($1, 'org_1', $1, 'usd', 'active', 'organization', $2)`,
          [id, at],
        );
      }
      await tx.query(
        "INSERT INTO ktrlplane.stripe_customers (billing_account_id, customer_id) VALUES ('acct_s', 'cus_1')",
      );
      // A Stripe price created before 028: its meter events were whole numbers.
      await tx.query(
        "INSERT INTO ktrlplane.stripe_prices (price_key, definition_hash, price_id) VALUES ('flow/runs', 'h1', 'price_1')",
      );
      const invoices = [
        { id: "inv_s_oct", account: "acct_s", sequence: 1, start: "2026-10-01", end: "2026-11-01" },
        { id: "inv_s_nov", account: "acct_s", sequence: 2, start: "2026-11-01", end: "2026-12-01" },
        { id: "inv_l_nov", account: "acct_l", sequence: 1, start: "2026-11-01", end: "2026-12-01" },
      ];
      for (const i of invoices) {
        await tx.query(
          `INSERT INTO ktrlplane.invoices (id, billing_account_id, organization_id, sequence, number,
             period_start, period_end, currency, total, finalized_at, billing_account_name)
           VALUES ($1, $2, 'org_1', $3, $1, $4, $5, 'usd', 0, $5, $2)`,
          [i.id, i.account, i.sequence, `${i.start}T00:00:00Z`, `${i.end}T00:05:00Z`],
        );
      }
      const perUnit = { billing_model: "per_unit", unit_amount: 900 };
      const metered = { billing_model: "metered", unit_amount: 2, meter: { event_name: "runs" } };
      // [invoice, line, kind, price, amount, usage, recomputed, invoiced]
      const lines: [string, number, string, object, number, string | null, number?, number?][] = [
        ["inv_s_oct", 1, "charge", perUnit, 900, null],
        ["inv_s_oct", 2, "charge", metered, 280, "140"],
        ["inv_s_oct", 3, "charge", metered, 0, "0"],
        ["inv_s_nov", 1, "adjustment", metered, 100, "190", 380, 280],
        ["inv_s_nov", 2, "adjustment", metered, -80, "100", 200, 280],
        ["inv_s_nov", 3, "adjustment", metered, 0, "140", 280, 280],
        ["inv_s_nov", 4, "adjustment", metered, 50, "25", 50, 0],
        ["inv_l_nov", 1, "adjustment", metered, 100, "190", 380, 280],
        ["inv_l_nov", 2, "charge", metered, 60, "30"],
      ];
      for (const [invoice, lineNo, kind, price, amount, usage, recomputed, invoiced] of lines) {
        await tx.query(
          `INSERT INTO ktrlplane.invoice_lines (invoice_id, line_no, resource_type, sku, description,
             price_version, price, quantity, period_start, period_end, amount, currency,
             usage_quantity, kind, recomputed_amount, invoiced_amount)
           VALUES ($1, $2, 'flow', 'runs', 'Flow runs', 1, $3, 1, '2026-10-01T00:00:00Z',
             '2026-11-01T00:00:00Z', $4, 'usd', $5, $6, $7, $8)`,
          [
            invoice,
            lineNo,
            JSON.stringify({ resource_type: "flow", sku: "runs", currency: "usd", ...price }),
            amount,
            usage,
            kind,
            recomputed ?? null,
            invoiced ?? null,
          ],
        );
      }
      // A pass already sent this adjustment as an invoice item: never queued again.
      await tx.query(
        `INSERT INTO ktrlplane.stripe_adjustment_items (invoice_id, line_no, billing_account_id,
           stripe_invoice_item_id, customer_id, stripe_amount, currency, sent_at)
         VALUES ('inv_s_nov', 4, 'acct_s', 'ii_1', 'cus_1', 50, 'usd', $1)`,
        [at],
      );
    });

    const applied = await migrate({ db, through: 28 });
    expect(applied).toEqual(["028_stripe_scaled_meters_and_pending_lines.sql"]);
    const queued = await db.query<{
      invoice_id: string;
      line_no: number;
      billing_account_id: string;
      kind: string;
    }>(
      `SELECT invoice_id, line_no, billing_account_id, kind FROM ktrlplane.stripe_pending_lines
        ORDER BY invoice_id, line_no`,
    );
    expect(queued).toEqual([
      { invoice_id: "inv_s_nov", line_no: 1, billing_account_id: "acct_s", kind: "adjustment" },
      { invoice_id: "inv_s_nov", line_no: 2, billing_account_id: "acct_s", kind: "adjustment" },
      { invoice_id: "inv_s_oct", line_no: 2, billing_account_id: "acct_s", kind: "metered_charge" },
      { invoice_id: "inv_s_oct", line_no: 3, billing_account_id: "acct_s", kind: "metered_charge" },
    ]);
    const prices = await db.query<{ price_id: string; value_decimals: number }>(
      "SELECT price_id, value_decimals FROM ktrlplane.stripe_prices",
    );
    expect(prices).toEqual([{ price_id: "price_1", value_decimals: 0 }]);
  });
});
