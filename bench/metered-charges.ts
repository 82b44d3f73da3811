import { performance } from "node:perf_hooks";
import { meteredCharges } from "../src/billing/metered-usage.js";
import { loadConfig } from "../src/config.js";
import { createContext } from "../src/context.js";
import type { Queryable } from "../src/db/database.js";
import { addDepartmentAccount } from "./api-client.js";
import { summarizeLatencies } from "./latency-stats.js";
import type { BenchRow, BenchSection, SectionResult } from "./section.js";
import { withLastMonthOfUsage } from "./usage-month.js";
import { writeDailyRollups } from "./usage-query.js";

export const resourceCount = Number(process.env.BENCH_METERED_RESOURCES ?? 10_000);
const rounds = 10;

/**
 * What a month's metered lines cost to compute (`meteredCharges`, the read behind invoices, the
 * upcoming invoice, costs and account items) for an organization holding `resourceCount` metered
 * resources (flow/runs, a sum meter) with usage in every hour of last month; one in ten switched
 * billing accounts in the middle of a day, so that day's hours go to two accounts. The hourly
 * rollups are written by bulk SQL, the daily ones from them (as ingestion keeps both). Beside it,
 * in the same rounds, the plain SQL aggregates of the same month per resource: over the hourly
 * rollups and over the daily ones (no ledger, no pricing).
 */
async function measureMeteredCharges(options: { adminUrl: string }): Promise<SectionResult> {
  return withLastMonthOfUsage({
    adminUrl: options.adminUrl,
    resourceCount: 0,
    maxConnections: 2,
    work: async ({ db, databaseUrl, catalogPath, from, to, baseUrl, tenant }) => {
      const ctx = await createContext({
        config: loadConfig({
          DATABASE_URL: databaseUrl,
          KTRLPLANE_CATALOG: catalogPath,
          LOG_LEVEL: "silent",
          KTRLPLANE_WORKER: "off",
        }),
        db,
      });
      const departmentId = await addDepartmentAccount({ baseUrl, tenant });
      const accounts = [tenant.billingAccountId, departmentId];
      const generating = performance.now();
      await writeMeteredMonth({
        db,
        organizationId: tenant.organizationId,
        projectId: tenant.projectId,
        accounts,
        from,
        to,
      });
      const generationMs = performance.now() - generating;
      const [{ hourly, daily }] = (await db.query(
        `SELECT (SELECT count(*)::int FROM ktrlplane.usage_rollups) AS hourly,
                (SELECT count(*)::int FROM ktrlplane.usage_rollups_daily) AS daily`,
      )) as [{ hourly: number; daily: number }];

      const plain = (table: "usage_rollups" | "usage_rollups_daily", column: string) =>
        `SELECT resource_id, sum(sum)::text AS sum FROM ktrlplane.${table}
         WHERE organization_id = $1 AND event_name = 'flow_runs'
           AND ${column} >= $2 AND ${column} < $3
         GROUP BY resource_id`;
      const workloads: { name: string; run: () => Promise<string> }[] = [
        {
          name: "meteredCharges: a month's metered lines and shares, 2 accounts",
          run: async () => {
            const charges = await meteredCharges({
              ctx,
              db,
              billingAccountIds: accounts,
              from,
              to,
            });
            return sumDecimals(charges.lines.map((l) => l.usage_quantity ?? "0"));
          },
        },
        {
          name: "plain SQL: sum per resource over the month's hourly rollups",
          run: async () => {
            const found = await db.query<{ sum: string }>(plain("usage_rollups", "hour"), [
              tenant.organizationId,
              from,
              to,
            ]);
            return sumDecimals(found.map((r) => r.sum));
          },
        },
        {
          name: "plain SQL: sum per resource over the month's daily rollups",
          run: async () => {
            const found = await db.query<{ sum: string }>(plain("usage_rollups_daily", "day"), [
              tenant.organizationId,
              from,
              to,
            ]);
            return sumDecimals(found.map((r) => r.sum));
          },
        },
      ];
      // Alternated round by round, so that each sees the same machine; one warm-up round.
      const latencies = workloads.map(() => [] as number[]);
      const totals = new Set<string>();
      for (let round = 0; round <= rounds; round++) {
        for (const [i, workload] of workloads.entries()) {
          const began = performance.now();
          totals.add(await workload.run());
          if (round > 0) latencies[i]?.push(performance.now() - began);
        }
      }
      if (totals.size !== 1) {
        throw new Error(`the workloads disagree on the month's usage: ${[...totals]}`);
      }
      const summaries = latencies.map((latenciesMs) =>
        summarizeLatencies({
          latenciesMs,
          windowMs: latenciesMs.reduce((s, ms) => s + ms, 0),
        }),
      );
      const hourlyBaseline = summaries[1]?.p50Ms ?? Number.NaN;
      const rows: BenchRow[] = workloads.map((workload, i) => {
        const summary = summaries[i] as (typeof summaries)[number];
        return {
          workload: workload.name,
          count: summary.count,
          perSecond: summary.perSecond,
          p50Ms: summary.p50Ms,
          p99Ms: summary.p99Ms,
          // p50 of the hourly plain SQL over this p50: above 1, faster than reading hours.
          ratio: hourlyBaseline / summary.p50Ms,
        };
      });
      return {
        title: `Metered charges: a month of ${resourceCount.toLocaleString("en")} metered resources (${hourly.toLocaleString("en")} hourly and ${daily.toLocaleString("en")} daily rollup rows) on PostgreSQL`,
        targets: "ratio = p50 of the plain SQL over the hourly rollups / the row's p50",
        rows,
        notes: [
          `generated by bulk SQL in ${(generationMs / 1000).toFixed(0)} s; every workload counted ${[...totals][0]} runs; BENCH_METERED_RESOURCES=${resourceCount} (default 10,000)`,
        ],
        data: { resourceCount, hourly, daily, generationMs, summaries },
      };
    },
  });
}

/** Exact sum of decimal texts (the aggregates are integers here: no float error). */
function sumDecimals(values: string[]): string {
  return values.reduce((s, v) => s + BigInt(v), 0n).toString();
}

/**
 * The organization's metered resources and their month, by bulk SQL: each resource billed from
 * the day before `from`; one in ten moves to the second account at a varying instant inside a
 * day of the month. Every hour of [from, to) holds usage for every resource.
 */
export async function writeMeteredMonth(options: {
  db: Queryable;
  organizationId: string;
  projectId: string;
  accounts: string[];
  from: Date;
  to: Date;
}): Promise<void> {
  const { db, organizationId, projectId, accounts, from, to } = options;
  const start = new Date(from.getTime() - 86_400_000).toISOString();
  await db.query(
    `INSERT INTO ktrlplane.resources
       (id, organization_id, project_id, name, resource_type, sku, created_at)
     SELECT 'res_metered_' || lpad(g::text, 6, '0'), $1, $2, 'm' || g, 'flow', 'runs', $3
     FROM generate_series(1, $4::int) AS g`,
    [organizationId, projectId, start, resourceCount],
  );
  // Moved ones: 12 days, 7 h 30 min and (g % 5) hours into the month.
  const moved = `$2::timestamptz + interval '12 days 7 hours 30 minutes'
                 + (substr(id, 13)::int % 5) * interval '1 hour'`;
  await db.query(
    `INSERT INTO ktrlplane.billing_intervals (resource_id, project_id, billing_account_id,
       resource_type, sku, price_version, started_at, ended_at)
     SELECT id, project_id, $3, resource_type, sku, 1, created_at,
            CASE WHEN substr(id, 13)::int % 10 = 0 THEN ${moved} END
     FROM ktrlplane.resources WHERE organization_id = $1
     UNION ALL
     SELECT id, project_id, $4, resource_type, sku, 1, ${moved}, NULL
     FROM ktrlplane.resources WHERE organization_id = $1 AND substr(id, 13)::int % 10 = 0`,
    [organizationId, from.toISOString(), accounts[0], accounts[1]],
  );
  await db.query(
    `INSERT INTO ktrlplane.usage_rollups
       (organization_id, project_id, resource_id, event_name, hour, sum, count, max,
        latest_value, latest_at, latest_event_id)
     SELECT r.organization_id, r.project_id, r.id, 'flow_runs', h,
            v, 1 + v % 7, v, v, h + interval '59 minutes', r.id || '-' || extract(epoch FROM h)
     FROM ktrlplane.resources r,
          generate_series($2::timestamptz, $3::timestamptz - interval '1 hour', interval '1 hour') AS h,
          LATERAL (SELECT 1 + (substr(r.id, 13)::int * 7 + extract(epoch FROM h)::bigint / 3600) % 100 AS v) AS x
     WHERE r.organization_id = $1`,
    [organizationId, from.toISOString(), to.toISOString()],
  );
  await writeDailyRollups({ db, organizationId });
  await db.query("VACUUM ANALYZE");
}

export const meteredChargesSection: BenchSection = {
  name: "metered-charges",
  run: ({ adminUrl }) => measureMeteredCharges({ adminUrl }),
};
