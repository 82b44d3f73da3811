import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPriceBook } from "../../src/db/resource-pricing.js";
import { monthsOverlapping } from "../../src/domain/billing-period.js";
import { computeCharges, type LedgerInterval } from "../../src/domain/charges.js";
import { finalizeInvoice } from "../../src/invoices/finalize-invoice.js";
import {
  invoicedShares,
  resourceTotalsFromShares,
  storedResourceTotals,
} from "../support/invoice-resource-totals.js";
import { type ApiClient, startTestApp, type TestApp } from "../support/test-app.js";
import { testDatabaseAvailable } from "../support/test-database.js";
import { timePrices } from "../support/time-prices.js";

// Costs by resource read closed months from running sums per (account, calendar year, resource)
// (migration 032), appended as each month is finalized. Here each run is a new organization whose
// two accounts are finalized up to a month of their own, in two rounds with ledger rows added in
// between (also in months already invoiced, which must then stay as invoiced). The rollup is held
// to a recompute from the invoices' shares, and the costs by resource over windows crossing the
// new year and cut anywhere to what the product promises: each whole month an account is settled
// through is the sum of its invoice's shares, the rest is charged from the ledger.

const DAY = 86_400;
const origin = Date.parse("2026-09-01T00:00:00Z") / 1000;
/** The months an account may invoice: October 2026 to March 2027; `now` is in April. */
const invoiceable = monthsOverlapping({
  from: new Date("2026-10-01T00:00:00Z"),
  to: new Date("2027-04-01T00:00:00Z"),
});
const horizon = 242 * DAY; // to 2027-05-01

const interval = fc.record({
  resource: fc.nat(3),
  project: fc.nat(1),
  account: fc.nat(1),
  price: fc.nat(timePrices.length - 1),
  start: fc.integer({ min: 0, max: horizon - DAY }),
  seconds: fc.option(fc.integer({ min: 1, max: 70 * DAY }), { nil: null }),
});

type Generated = typeof interval extends fc.Arbitrary<infer T> ? T : never;

/** An instant of the horizon: a month start (what the rollup serves whole) or any second. */
const instant = fc.oneof(
  fc.nat(8).map((k) => Date.UTC(2026, 8 + k, 1) / 1000 - origin),
  fc.integer({ min: 0, max: horizon }),
);
const window = fc
  .tuple(instant, instant)
  .filter(([a, b]) => a !== b)
  .map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const);

describe.skipIf(!testDatabaseAvailable)("costs by resource of finalized months", () => {
  let app: TestApp;
  let api: ApiClient;
  let email: string;

  beforeAll(async () => {
    app = await startTestApp({ at: "2026-09-01T00:00:00Z" });
    const owner = await app.signUp();
    email = owner.user.email;
  });
  afterAll(async () => {
    await app?.close();
  });

  const signIn = async () => {
    const login = await app
      .client()
      .post("/v1/auth/login", { email, password: "correct horse battery" });
    api = app.client(login.body.token);
  };

  it("equal the invoices' shares for settled months and the ledger for the rest, whatever the window", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(interval, { minLength: 1, maxLength: 12 }),
        fc.array(interval, { maxLength: 6 }),
        fc.tuple(fc.nat(invoiceable.length), fc.nat(invoiceable.length)),
        fc.tuple(fc.nat(invoiceable.length), fc.nat(invoiceable.length)),
        fc.integer({ min: 5 * 60, max: 29 * DAY }),
        fc.array(window, { minLength: 1, maxLength: 4 }),
        async (first, late, firstRound, secondRound, nowOffset, windows) => {
          app.clock.set("2026-09-01T00:00:00Z");
          await signIn();
          const org = (await api.post("/v1/organizations", { name: "Acme" })).body;
          const department = (
            await api.post(`/v1/organizations/${org.id}/billing-accounts`, { name: "Dept" })
          ).body;
          const accounts = [org.primary_billing_account_id as string, department.id as string];
          const projects: string[] = [];
          for (const name of ["p0", "p1"]) {
            projects.push(
              (await api.post("/v1/projects", { name, organization_id: org.id })).body.id,
            );
          }
          const resources: string[] = [];
          for (let i = 0; i < 4; i++) {
            const [resource_type, sku] = timePrices[i] as (typeof timePrices)[number];
            const created = await api.post("/v1/resources", {
              project_id: projects[i % 2],
              resource_type,
              sku,
              name: `r${i}`,
            });
            expect(created.status).toBe(201);
            resources.push(created.body.id);
          }
          // The ledger is the generated rows alone.
          await app.db.query(
            "DELETE FROM ktrlplane.billing_intervals WHERE billing_account_id = ANY($1::text[])",
            [accounts],
          );
          const open = new Set<number>();
          const write = async (rows: Generated[]) => {
            for (const g of rows) {
              // At most one open interval per resource, as the ledger holds it.
              const seconds =
                g.seconds === null && !open.has(g.resource) ? null : (g.seconds ?? DAY);
              if (seconds === null) open.add(g.resource);
              const [resource_type, sku] = timePrices[g.price] as (typeof timePrices)[number];
              await app.db.query(
                `INSERT INTO ktrlplane.billing_intervals (resource_id, project_id, billing_account_id,
                   resource_type, sku, price_version, started_at, ended_at)
                 VALUES ($1, $2, $3, $4, $5, 1, to_timestamp($6), to_timestamp($7))`,
                [
                  resources[g.resource],
                  projects[g.project],
                  accounts[g.account],
                  resource_type,
                  sku,
                  origin + g.start,
                  seconds === null ? null : origin + g.start + seconds,
                ],
              );
            }
          };
          // Each account's months in order, as the worker does, up to the round's month.
          const settled = [0, 0];
          const finalizeThrough = async (round: readonly [number, number]) => {
            for (const [a, account] of accounts.entries()) {
              const through = Math.max(settled[a] as number, round[a] as number);
              for (let k = settled[a] as number; k < through; k++) {
                await finalizeInvoice({
                  ctx: app.ctx,
                  billingAccountId: account,
                  period: invoiceable[k] as (typeof invoiceable)[number],
                });
              }
              settled[a] = through;
            }
          };
          const now = new Date(Date.UTC(2027, 3, 1) + nowOffset * 1000);
          app.clock.set(now);
          await write(first);
          await finalizeThrough(firstRound);
          await write(late);
          await finalizeThrough(secondRound);

          expect(await storedResourceTotals(app.db)).toEqual(
            await resourceTotalsFromShares(app.db),
          );

          const shares = (await invoicedShares(app.db)).filter((s) =>
            accounts.includes(s.billing_account_id),
          );
          const intervals = await app.db.query<LedgerInterval>(
            `SELECT resource_id, project_id, billing_account_id, resource_type, sku, price_version,
               started_at, ended_at FROM ktrlplane.billing_intervals
             WHERE billing_account_id = ANY($1::text[])`,
            [accounts],
          );
          const book = (await loadPriceBook({ db: app.db })).prices;
          await signIn();
          for (const [fromOffset, toOffset] of windows) {
            const from = new Date((origin + fromOffset) * 1000);
            const to = new Date((origin + toOffset) * 1000);
            const accruedUntil = new Date(
              Math.min(Math.max(now.getTime(), from.getTime()), to.getTime()),
            );
            const expected = new Map<string, { amount: number; projected_amount: number }>();
            const add = (key: string, amount: number, projected: number) => {
              const group = expected.get(key) ?? { amount: 0, projected_amount: 0 };
              group.amount += amount;
              group.projected_amount += projected;
              expected.set(key, group);
            };
            for (const month of monthsOverlapping({ from, to })) {
              const whole = month.start >= from && month.end <= to;
              for (const [a, account] of accounts.entries()) {
                const settledThrough = invoiceable[(settled[a] as number) - 1]?.end;
                if (whole && settledThrough && settledThrough >= month.end) {
                  for (const s of shares) {
                    if (
                      s.billing_account_id === account &&
                      s.period_start.getTime() === month.start.getTime()
                    ) {
                      add(s.resource_id, s.amount, s.amount);
                    }
                  }
                  continue;
                }
                const charges = (openUntil: Date) =>
                  computeCharges({
                    intervals: intervals.filter((i) => i.billing_account_id === account),
                    prices: book,
                    from: new Date(Math.max(month.start.getTime(), from.getTime())),
                    to: new Date(Math.min(month.end.getTime(), to.getTime())),
                    openUntil,
                  }).shares;
                for (const s of charges(accruedUntil)) add(s.resource_id, s.amount, 0);
                for (const s of charges(to)) add(s.resource_id, 0, s.amount);
              }
            }
            const costs = await api.get(
              `/v1/organizations/${org.id}/costs?group_by=resource&limit=1000&from=${from.toISOString()}&to=${to.toISOString()}`,
            );
            expect(costs.status).toBe(200);
            expect(costs.body.next_cursor).toBeNull();
            expect(
              new Map(
                costs.body.groups.map(
                  (g: { key: string; amount: number; projected_amount: number }) => [
                    g.key,
                    { amount: g.amount, projected_amount: g.projected_amount },
                  ],
                ),
              ),
            ).toEqual(expected);
          }
        },
      ),
      { numRuns: 20 },
    );
  }, 300_000);
});
