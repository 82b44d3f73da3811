import { performance } from "node:perf_hooks";
import type { Queryable } from "../src/db/database.js";
import { callApi } from "./api-client.js";
import { withBenchDatabase } from "./bench-database.js";
import { type CostFixture, costsPath, withCostFixture } from "./cost-fixture.js";
import { type LatencySummary, summarizeLatencies } from "./latency-stats.js";
import type { BenchRow, BenchSection } from "./section.js";

export const costResources = Number(process.env.BENCH_COST_RESOURCES ?? 10_000);
export const costIntervalsPerResource = Number(process.env.BENCH_COST_INTERVALS ?? 100);
const queries = Number(process.env.BENCH_COST_QUERIES ?? 20);
const ledgerOnlyQueries = Number(process.env.BENCH_COST_LEDGER_QUERIES ?? 3);
const targetP50Ms = 50;
const targetP99Ms = 200;

const groupings = ["project", "resource_type", "resource", "billing_account"] as const;
export type Grouping = (typeof groupings)[number];

const rawColumn: Record<Grouping, string> = {
  project: "i.project_id",
  resource_type: "i.resource_type",
  resource: "i.resource_id",
  billing_account: "i.billing_account_id",
};

/**
 * The raw baseline: what a hand-written query would answer from the same ledger rows — seconds
 * in the window × unit amount / a 30-day month, summed per group — with none of the product's
 * rules (calendar months, versions, a line rounded once and split exactly, frozen invoices).
 */
export async function rawCosts(options: {
  db: Queryable;
  fixture: Pick<CostFixture, "billingAccountIds" | "from" | "to">;
  groupBy: Grouping;
  /** Only this resource's rows (the baseline of one resource's cost). */
  resourceId?: string;
}): Promise<unknown[]> {
  const { fixture, resourceId } = options;
  return options.db.query(
    `SELECT ${rawColumn[options.groupBy]} AS key,
       sum(extract(epoch FROM least(coalesce(i.ended_at, $3), $3) - greatest(i.started_at, $2))
         * coalesce((p.definition->>'unit_amount')::numeric, 0) / 2592000)::bigint AS amount
     FROM ktrlplane.billing_intervals i
     JOIN ktrlplane.resource_pricing p USING (resource_type, sku)
     WHERE i.billing_account_id = ANY($1) AND i.started_at < $3
       AND (i.ended_at IS NULL OR i.ended_at > $2)${resourceId ? " AND i.resource_id = $4" : ""}
     GROUP BY 1`,
    [fixture.billingAccountIds, fixture.from, fixture.to, ...(resourceId ? [resourceId] : [])],
  );
}

/** `count` runs of `run` one after another (after one warm-up run), timed each. */
export async function timeSerially(options: {
  count: number;
  run: () => Promise<unknown>;
}): Promise<LatencySummary> {
  await options.run();
  const latenciesMs: number[] = [];
  for (let i = 0; i < options.count; i++) {
    const began = performance.now();
    await options.run();
    latenciesMs.push(performance.now() - began);
  }
  return summarizeLatencies({
    latenciesMs,
    windowMs: latenciesMs.reduce((sum, ms) => sum + ms, 0),
  });
}

export function costRow(options: {
  workload: string;
  summary: LatencySummary;
  raw?: LatencySummary;
}): BenchRow {
  const { summary, raw } = options;
  return {
    workload: options.workload,
    count: summary.count,
    perSecond: summary.perSecond,
    p50Ms: summary.p50Ms,
    p99Ms: summary.p99Ms,
    ...(raw
      ? {
          ratio: summary.perSecond / raw.perSecond,
          pass: summary.p50Ms < targetP50Ms && summary.p99Ms < targetP99Ms,
        }
      : {}),
  };
}

/**
 * Issue 9's year-long cost query at 1M intervals, per grouping, one request at a time: first with
 * every month still charged from the ledger (no invoice finalized yet: the worst case), then with
 * the 11 closed months frozen into invoices as the worker leaves them, next to a plain SQL
 * aggregate over the same ledger rows.
 */
export const costs: BenchSection = {
  name: "costs",
  run: ({ adminUrl }) =>
    withBenchDatabase({
      adminUrl,
      work: (databaseUrl) =>
        withCostFixture({
          databaseUrl,
          resources: costResources,
          intervalsPerResource: costIntervalsPerResource,
          work: async ({ ctx, server, fixture, finalizeClosedMonths }) => {
            const api = (groupBy: Grouping) => () =>
              callApi({
                baseUrl: server.baseUrl,
                method: "GET",
                path: costsPath({ fixture, groupBy }),
                token: fixture.tenant.token,
                expect: 200,
              });
            const raw = new Map<Grouping, LatencySummary>();
            for (const groupBy of groupings) {
              raw.set(
                groupBy,
                await timeSerially({
                  count: queries,
                  run: () => rawCosts({ db: ctx.db, fixture, groupBy }),
                }),
              );
            }
            // Every month from the ledger costs seconds a request at this size: a few suffice.
            const ledgerOnly = await timeSerially({
              count: ledgerOnlyQueries,
              run: api("resource"),
            });
            const finalizeBegan = performance.now();
            const invoices = await finalizeClosedMonths();
            const finalizeSeconds = (performance.now() - finalizeBegan) / 1000;
            const invoiced = new Map<Grouping, LatencySummary>();
            for (const groupBy of groupings) {
              invoiced.set(groupBy, await timeSerially({ count: queries, run: api(groupBy) }));
            }

            // One resource's cost, as the console's resource page reads it: its own rows only.
            const resourceId = "res_bench_0000001";
            const oneRaw = await timeSerially({
              count: queries,
              run: () => rawCosts({ db: ctx.db, fixture, groupBy: "resource", resourceId }),
            });
            const one = await timeSerially({
              count: queries,
              run: () =>
                callApi({
                  baseUrl: server.baseUrl,
                  method: "GET",
                  path: `/v1/resources/${resourceId}/costs?from=${fixture.from.toISOString()}&to=${fixture.to.toISOString()}`,
                  token: fixture.tenant.token,
                  expect: 200,
                }),
            });

            const rows: BenchRow[] = groupings.flatMap((groupBy) => {
              const baseline = raw.get(groupBy) as LatencySummary;
              return [
                costRow({ workload: `raw SQL aggregate, by ${groupBy}`, summary: baseline }),
                ...(groupBy === "resource"
                  ? [
                      costRow({
                        workload: "API, nothing invoiced (worst case), by resource",
                        summary: ledgerOnly,
                        raw: baseline,
                      }),
                    ]
                  : []),
                costRow({
                  workload: `API, closed months invoiced, by ${groupBy}`,
                  summary: invoiced.get(groupBy) as LatencySummary,
                  raw: baseline,
                }),
              ];
            });
            rows.push(
              costRow({ workload: "raw SQL aggregate, one resource", summary: oneRaw }),
              costRow({
                workload: "API, one resource's cost (GET /v1/resources/{id}/costs)",
                summary: one,
                raw: oneRaw,
              }),
            );
            return {
              title: `Year-long GET /costs on PostgreSQL: ${fixture.resources} resources, ${fixture.intervals} intervals over 12 months, ${queries} requests each, one at a time`,
              targets: `p50 < ${targetP50Ms} ms and p99 < ${targetP99Ms} ms (API/raw: the API's rate over the raw aggregate's)`,
              rows,
              notes: [
                `ledger written by bulk SQL in ${fixture.loadSeconds.toFixed(1)} s; ${invoices} invoices (11 closed months × 2 accounts) finalized by the product's worker step in ${finalizeSeconds.toFixed(1)} s`,
                `p99 over ${queries} requests is their maximum; the worst case ran ${ledgerOnlyQueries} (+1 warm-up)`,
                "by resource, the API answers the first page of groups (100, the default): the sums are over every resource, the labels and the answer over the page",
              ],
              data: {
                resources: fixture.resources,
                intervals: fixture.intervals,
                queries,
                raw: Object.fromEntries(raw),
                ledgerOnly,
                invoiced: Object.fromEntries(invoiced),
                oneResource: one,
                oneResourceRaw: oneRaw,
                finalizeSeconds,
              },
            };
          },
        }),
    }),
};
