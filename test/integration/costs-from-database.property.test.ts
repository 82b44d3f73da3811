import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { moveToPriceVersion } from "../../src/db/ledger.js";
import { loadPriceBook } from "../../src/db/resource-pricing.js";
import { computeCharges, type LedgerInterval } from "../../src/domain/charges.js";
import {
  type ApiClient,
  type ApiResponse,
  startTestApp,
  type TestApp,
} from "../support/test-app.js";
import { testDatabaseAvailable } from "../support/test-database.js";
import { timePrices } from "../support/time-prices.js";

// Costs are summed in the database; this holds them to a recompute from the raw ledger rows by the
// domain's `computeCharges`, to the unit, for every grouping, over histories that cross months,
// price-version moves, open intervals and a `now` anywhere in (or outside) the window. Windows of
// whole months are drawn too: their closed intervals are read from the monthly rollup
// (ledger_month_seconds), which is held to a recompute from the same rows, also after intervals
// were closed by an update and cut by a version move.

const DAY = 86_400;
const origin = Date.parse("2026-09-01T00:00:00Z") / 1000;

const versioned = new Set(["graph/standard", "flow/standard", "storage/standard"]);

const interval = fc.record({
  resource: fc.nat(5),
  project: fc.nat(1),
  account: fc.nat(1),
  price: fc.nat(timePrices.length - 1),
  version: fc.nat(2),
  start: fc.integer({ min: 0, max: 150 * DAY }),
  seconds: fc.option(fc.integer({ min: 1, max: 70 * DAY }), { nil: null }),
  /** Opened, then closed by an update (as a delete closes it), rather than inserted closed. */
  closedLater: fc.boolean(),
});

/** Month starts from 2026-09 to 2027-02, in seconds after `origin`. */
const monthStarts = [0, 30, 61, 91, 122, 153].map((days) => days * DAY);

/** [from offset, length]: anywhere, or whole months (what the rollup serves). */
const window = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 120 * DAY }), fc.integer({ min: 1, max: 120 * DAY })),
  fc
    .tuple(fc.nat(monthStarts.length - 2), fc.integer({ min: 1, max: monthStarts.length - 1 }))
    .map(([first, count]) => {
      const from = monthStarts[first] as number;
      const to = monthStarts[Math.min(first + count, monthStarts.length - 1)] as number;
      return [from, to - from] as [number, number];
    }),
);

/** The moves the catalog below states (a version cut by the worker's pass, or none). */
const moves = [
  null,
  { resource_type: "graph", sku: "standard", version: 2, effective_from: "2026-10-17T05:00:00Z" },
  { resource_type: "flow", sku: "standard", version: 3, effective_from: "2026-11-20T13:14:15Z" },
  { resource_type: "flow", sku: "standard", version: 2, effective_from: "2026-12-01T00:00:00Z" },
] as const;

type Grouping = "project" | "resource_type" | "resource" | "billing_account";
const column = {
  project: "project_id",
  resource_type: "resource_type",
  resource: "resource_id",
  billing_account: "billing_account_id",
} as const;

describe.skipIf(!testDatabaseAvailable)("costs summed in the database", () => {
  let app: TestApp;
  let api: ApiClient;
  let email: string;
  let organizationId: string;
  let projectIds: string[];
  let accountIds: string[];
  let resourceIds: string[];

  beforeAll(async () => {
    app = await startTestApp({ at: "2026-09-01T00:00:00Z" });
    const owner = await app.signUp();
    api = owner.api;
    email = owner.user.email;
    const first = (await api.post("/v1/projects", { name: "p0" })).body;
    organizationId = first.organization_id;
    const second = (await api.post("/v1/projects", { name: "p1", organization_id: organizationId }))
      .body;
    const department = (
      await api.post(`/v1/organizations/${organizationId}/billing-accounts`, { name: "Dept" })
    ).body;
    projectIds = [first.id, second.id];
    accountIds = [first.billing.billing_account_id, department.id];
    resourceIds = [];
    for (let i = 0; i < 6; i++) {
      const [resource_type, sku] = timePrices[i % timePrices.length] as (typeof timePrices)[number];
      const created = await api.post("/v1/resources", {
        project_id: projectIds[i % 2],
        resource_type,
        sku,
        name: `r${i}`,
      });
      resourceIds.push(created.body.id);
    }
    // Later versions of two flat prices and of a tiered one, as a changed catalog records them:
    // one moves existing resources mid-month, one at a month boundary, one never. The one that
    // never moves is worth ~10^14 units a month: a week or more of it in a line makes a line whose
    // amount × seconds passes 2^63, which the database must then split in numeric, not bigint.
    const book = (await loadPriceBook({ db: app.db })).prices;
    const versions: [string, string, number, Record<string, unknown>, string | null][] = [
      ["graph", "standard", 2, { unit_amount: 12_345 }, "2026-10-17T05:00:00Z"],
      ["graph", "standard", 3, { unit_amount: 98_765_432_101_777 }, null],
      ["flow", "standard", 2, { unit_amount: 5_101 }, "2026-12-01T00:00:00Z"],
      ["flow", "standard", 3, { unit_amount: 3 }, "2026-11-20T13:14:15Z"],
      ["storage", "standard", 2, {}, "2026-10-09T10:00:00Z"],
      ["storage", "standard", 3, {}, null],
    ];
    for (const [type, sku, version, change, effectiveFrom] of versions) {
      const price = book.get(`${type}/${sku}`)?.[0]?.price;
      await app.db.query(
        `INSERT INTO ktrlplane.price_versions
           (resource_type, sku, version, definition, created_at, effective_from, grandfathered)
         VALUES ($1, $2, $3, $4, '2026-09-01T00:00:00Z', $5, $6)`,
        [
          type,
          sku,
          version,
          JSON.stringify({ ...price, ...change }),
          effectiveFrom,
          !effectiveFrom,
        ],
      );
    }
  });
  afterAll(async () => {
    await app?.close();
  });

  it("equal a recompute from the raw ledger, for every grouping, accrued and projected", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(interval, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 0, max: 150 * DAY }),
        window,
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom(...moves),
        async (generated, nowOffset, [fromOffset, length], limit, move) => {
          await app.db.query("DELETE FROM ktrlplane.billing_intervals");
          const open = new Set<number>();
          for (const g of generated) {
            // At most one open interval per resource, as the ledger holds it.
            const seconds = g.seconds === null && !open.has(g.resource) ? null : (g.seconds ?? DAY);
            if (seconds === null) open.add(g.resource);
            const [resource_type, sku] = timePrices[g.price] as (typeof timePrices)[number];
            const end = seconds === null ? null : origin + g.start + seconds;
            const closedLater = g.closedLater && end !== null && !open.has(g.resource);
            const [inserted] = await app.db.query<{ id: string }>(
              `INSERT INTO ktrlplane.billing_intervals (resource_id, project_id, billing_account_id,
                 resource_type, sku, price_version, started_at, ended_at)
               VALUES ($1, $2, $3, $4, $5, $6, to_timestamp($7), to_timestamp($8)) RETURNING id`,
              [
                resourceIds[g.resource],
                projectIds[g.project],
                accountIds[g.account],
                resource_type,
                sku,
                versioned.has(`${resource_type}/${sku}`) ? g.version + 1 : 1,
                origin + g.start,
                closedLater ? null : end,
              ],
            );
            if (closedLater) {
              await app.db.query(
                "UPDATE ktrlplane.billing_intervals SET ended_at = to_timestamp($2) WHERE id = $1",
                [inserted?.id, end],
              );
            }
          }
          if (move) {
            // The worker's pass for one due move: closed rows are cut and moved too.
            await app.db.transaction((tx) =>
              moveToPriceVersion({
                db: tx,
                move: { ...move, effective_from: new Date(move.effective_from) },
                projectIds,
              }),
            );
          }
          const now = new Date((origin + nowOffset) * 1000);
          const from = new Date((origin + fromOffset) * 1000);
          const to = new Date((origin + fromOffset + length) * 1000);
          app.clock.set(now);
          // A session lasts less than the months the clock jumps over: sign in at `now`.
          const login = await app
            .client()
            .post("/v1/auth/login", { email, password: "correct horse battery" });
          api = app.client(login.body.token);

          const intervals = await app.db.query<LedgerInterval>(
            `SELECT resource_id, project_id, billing_account_id, resource_type, sku, price_version,
               started_at, ended_at FROM ktrlplane.billing_intervals`,
          );
          expect(await rollup()).toEqual(monthSecondsOf(intervals));
          const book = (await loadPriceBook({ db: app.db })).prices;
          const accrued = computeCharges({
            intervals,
            prices: book,
            from,
            to,
            openUntil: new Date(Math.min(Math.max(now.getTime(), from.getTime()), to.getTime())),
          });
          const projected = computeCharges({ intervals, prices: book, from, to, openUntil: to });

          for (const groupBy of Object.keys(column) as Grouping[]) {
            const expected = new Map<string, { amount: number; projected_amount: number }>();
            const groupOf = (key: string) => {
              const group = expected.get(key) ?? { amount: 0, projected_amount: 0 };
              expected.set(key, group);
              return group;
            };
            for (const s of accrued.shares) groupOf(s[column[groupBy]]).amount += s.amount;
            for (const s of projected.shares) {
              groupOf(s[column[groupBy]]).projected_amount += s.amount;
            }
            const costs = await api.get(
              `/v1/organizations/${organizationId}/costs?group_by=${groupBy}&from=${from.toISOString()}&to=${to.toISOString()}`,
            );
            expect(costs.status).toBe(200);
            expect(costs.body.total).toBe(accrued.total);
            expect(costs.body.projected_total).toBe(projected.total);
            const actual = new Map(
              costs.body.groups.map(
                (g: { key: string; amount: number; projected_amount: number }) => [
                  g.key,
                  { amount: g.amount, projected_amount: g.projected_amount },
                ],
              ),
            );
            expect(actual).toEqual(expected);

            // Paged: every group once, in the documented order, the totals the same on every page.
            const paged: { key: string; amount: number; projected_amount: number }[] = [];
            let cursor: string | null = null;
            do {
              const page: ApiResponse = await api.get(
                `/v1/organizations/${organizationId}/costs?group_by=${groupBy}&from=${from.toISOString()}&to=${to.toISOString()}&limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`,
              );
              expect(page.status).toBe(200);
              expect(page.body.groups.length).toBeLessThanOrEqual(limit);
              expect([page.body.total, page.body.projected_total]).toEqual([
                accrued.total,
                projected.total,
              ]);
              paged.push(...page.body.groups);
              cursor = page.body.next_cursor;
            } while (cursor !== null);
            expect(paged.map((g) => g.key)).toEqual(
              [...expected.entries()]
                .sort(
                  ([ka, a], [kb, b]) =>
                    b.projected_amount - a.projected_amount || (ka < kb ? -1 : ka > kb ? 1 : 0),
                )
                .map(([key]) => key),
            );
            expect(paged.reduce((sum, g) => sum + g.amount, 0)).toBe(accrued.total);
            expect(paged.reduce((sum, g) => sum + g.projected_amount, 0)).toBe(projected.total);
          }

          // One resource's own read: at flat prices its lines hold its intervals alone; at tiered
          // prices (the rate depends on the account's quantity) its share of the account's line.
          const tiered = new Set(
            [...book.entries()]
              .filter(([, versions]) => versions.some((v) => v.price.billing_model === "tiered"))
              .map(([key]) => key),
          );
          for (const resourceId of resourceIds) {
            const ran = new Set(
              intervals
                .filter(
                  (i) =>
                    i.resource_id === resourceId &&
                    i.started_at < to &&
                    (i.ended_at === null || i.ended_at > from),
                )
                .map((i) => `${i.resource_type}/${i.sku}`),
            );
            const read = intervals.filter((i) => {
              const key = `${i.resource_type}/${i.sku}`;
              return tiered.has(key) ? ran.has(key) : i.resource_id === resourceId;
            });
            const own = (openUntil: Date) =>
              computeCharges({ intervals: read, prices: book, from, to, openUntil })
                .shares.filter((s) => s.resource_id === resourceId)
                .reduce((sum, s) => sum + s.amount, 0);
            const costs = await api.get(
              `/v1/resources/${resourceId}/costs?from=${from.toISOString()}&to=${to.toISOString()}`,
            );
            expect(costs.status).toBe(200);
            expect([costs.body.amount, costs.body.projected_amount]).toEqual([
              own(new Date(Math.min(Math.max(now.getTime(), from.getTime()), to.getTime()))),
              own(to),
            ]);
          }
        },
      ),
      { numRuns: 40 },
    );
  }, 180_000);

  /** The rollup's rows with seconds, in a stable order. */
  async function rollup(): Promise<string[]> {
    const found = await app.db.query<Record<string, unknown>>(
      `SELECT billing_account_id, extract(epoch FROM month)::bigint AS month, resource_type, sku,
         price_version, resource_id, project_id, seconds
       FROM ktrlplane.ledger_month_seconds WHERE seconds <> 0`,
    );
    return found.map((r) => JSON.stringify(Object.values(r).map(String))).sort();
  }
});

/** The rollup recomputed from raw rows: closed intervals' whole seconds per UTC calendar month. */
function monthSecondsOf(intervals: LedgerInterval[]): string[] {
  const sums = new Map<string, number>();
  for (const i of intervals) {
    if (i.ended_at === null) continue;
    const start = Math.floor(i.started_at.getTime() / 1000);
    const end = Math.floor(i.ended_at.getTime() / 1000);
    const first = new Date(Date.UTC(i.started_at.getUTCFullYear(), i.started_at.getUTCMonth(), 1));
    for (let m = first; m.getTime() / 1000 < end; ) {
      const next = new Date(Date.UTC(m.getUTCFullYear(), m.getUTCMonth() + 1, 1));
      const seconds = Math.min(end, next.getTime() / 1000) - Math.max(start, m.getTime() / 1000);
      if (seconds > 0) {
        const key = JSON.stringify(
          [
            i.billing_account_id,
            m.getTime() / 1000,
            i.resource_type,
            i.sku,
            i.price_version,
            i.resource_id,
            i.project_id,
          ].map(String),
        );
        sums.set(key, (sums.get(key) ?? 0) + seconds);
      }
      m = next;
    }
  }
  return [...sums]
    .map(([key, seconds]) => JSON.stringify([...JSON.parse(key), String(seconds)]))
    .sort();
}
