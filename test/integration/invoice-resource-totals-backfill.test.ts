import { afterAll, describe, expect, it } from "vitest";
import { migrate } from "../../src/db/migrate.js";
import {
  resourceTotalsFromShares,
  storedResourceTotals,
} from "../support/invoice-resource-totals.js";
import { openTestDatabase, testDatabaseAvailable } from "../support/test-database.js";

/**
 * Migration 032 sums every invoice finalized before it into running sums per (account, calendar
 * year, resource). Here a database at 031's schema holds an older deployment's invoices — months
 * with gaps between them, across a new year, adjustments, shares that cancel out, a resource in
 * two projects — then migrates on as its upgrade does.
 */
describe.skipIf(!testDatabaseAvailable)("migration 032's running sums of past invoices", () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>> | undefined;
  afterAll(async () => {
    await db?.drop();
  });

  it("equal a recompute from the shares, and only calendar months are invoiced from then on", async () => {
    db = await openTestDatabase({ empty: true });
    await migrate({ db, through: 31 });
    await db.transaction(async (tx) => {
      const at = "2027-04-01T00:05:00Z";
      await tx.query(
        "INSERT INTO ktrlplane.organizations (id, name, currency, created_at) VALUES ('org_1', 'Acme', 'usd', $1)",
        [at],
      );
      for (const id of ["acct_a", "acct_b"]) {
        await tx.query(
          `INSERT INTO ktrlplane.billing_accounts (id, organization_id, name, currency, status, scope, created_at)
           VALUES ($1, 'org_1', $1, 'usd', 'active', 'organization', $2)`,
          [id, at],
        );
      }
      // [invoice, account, month start, shares: [resource, project, amount, adjustment?][]]
      const invoices: [string, string, string, [string, string, number, boolean?][]][] = [
        [
          "a_oct",
          "acct_a",
          "2026-10-01",
          [
            ["r1", "p1", 900],
            ["r2", "p1", 0],
            ["r3", "p1", 40],
          ],
        ],
        // November: nothing billed on acct_a. December: r1 moved project mid-month.
        [
          "a_dec",
          "acct_a",
          "2026-12-01",
          [
            ["r1", "p1", 300],
            ["r1", "p2", 600],
            ["r3", "p1", 5],
          ],
        ],
        // January: an adjustment of December's r3 (negative) and r2's shares cancelling out.
        [
          "a_jan",
          "acct_a",
          "2027-01-01",
          [
            ["r1", "p2", 900],
            ["r3", "p1", -5, true],
            ["r2", "p1", 7],
            ["r2", "p2", -7],
          ],
        ],
        ["a_mar", "acct_a", "2027-03-01", [["r4", "p1", 11]]],
        ["b_nov", "acct_b", "2026-11-01", [["r1", "p1", 13]]],
      ];
      for (const [n, [id, account, start, shares]] of invoices.entries()) {
        const end = new Date(`${start}T00:00:00Z`);
        end.setUTCMonth(end.getUTCMonth() + 1);
        await tx.query(
          `INSERT INTO ktrlplane.invoices (id, billing_account_id, organization_id, sequence, number,
             period_start, period_end, currency, total, finalized_at, billing_account_name)
           VALUES ($1, $2, 'org_1', $3, $1, $4, $5, 'usd', $6, $5, $2)`,
          [id, account, n + 1, `${start}T00:00:00Z`, end, shares.reduce((t, s) => t + s[2], 0)],
        );
        for (const [lineNo, [resource, project, amount, adjustment]] of shares.entries()) {
          await tx.query(
            `INSERT INTO ktrlplane.invoice_lines (invoice_id, line_no, resource_type, sku, description,
               price_version, price, quantity, period_start, period_end, amount, currency,
               kind, recomputed_amount, invoiced_amount)
             VALUES ($1, $2, 'graph', 'standard', 'Graph', 1, '{}', 1, $3, $4, $5, 'usd', $6, $7, $8)`,
            [
              id,
              lineNo + 1,
              `${start}T00:00:00Z`,
              end,
              amount,
              adjustment ? "adjustment" : "charge",
              adjustment ? 0 : null,
              adjustment ? -amount : null,
            ],
          );
          await tx.query(
            `INSERT INTO ktrlplane.invoice_line_shares (invoice_id, line_no, resource_id,
               resource_name, project_id, project_name, amount)
             VALUES ($1, $2, $3, $3, $4, $4, $5)`,
            [id, lineNo + 1, resource, project, amount],
          );
        }
      }
    });

    expect(await migrate({ db, through: 32 })).toEqual(["032_invoice_resource_totals.sql"]);
    const stored = await storedResourceTotals(db);
    expect(stored).toEqual(await resourceTotalsFromShares(db));
    // [account, year, resource, cumulative from January, months with shares as bits]
    expect(stored).toEqual(
      [
        ["acct_a", "2026", "r1", "{0,0,0,0,0,0,0,0,0,900,900,1800}", String(2 ** 9 + 2 ** 11)],
        ["acct_a", "2026", "r2", "{0,0,0,0,0,0,0,0,0,0}", String(2 ** 9)],
        ["acct_a", "2026", "r3", "{0,0,0,0,0,0,0,0,0,40,40,45}", String(2 ** 9 + 2 ** 11)],
        ["acct_a", "2027", "r1", "{900}", "1"],
        ["acct_a", "2027", "r2", "{0}", "1"],
        ["acct_a", "2027", "r3", "{-5}", "1"],
        ["acct_a", "2027", "r4", "{0,0,11}", "4"],
        ["acct_b", "2026", "r1", "{0,0,0,0,0,0,0,0,0,0,13}", String(2 ** 10)],
      ]
        .map((row) => JSON.stringify(row))
        .sort(),
    );

    // From now on an invoice is one calendar month in UTC, or none.
    await expect(
      db.query(
        `INSERT INTO ktrlplane.invoices (id, billing_account_id, organization_id, sequence, number,
           period_start, period_end, currency, total, finalized_at, billing_account_name)
         VALUES ('b_odd', 'acct_b', 'org_1', 9, 'b_odd', '2027-01-01T00:00:00Z',
           '2027-02-01T00:05:00Z', 'usd', 0, '2027-02-01T00:05:00Z', 'acct_b')`,
      ),
    ).rejects.toThrow(/invoices_one_calendar_month/);
  });
});
