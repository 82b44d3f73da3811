import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { migrate } from "../src/db/migrate.js";
import { openPglite } from "../src/db/pglite.js";
import { finalizeDueInvoices } from "../src/invoices/finalize-due-invoices.js";
import { addDepartmentAccount, callApi, signUpTenant } from "./api-client.js";
import { costProjects, writeCostLedger } from "./cost-fixture.js";
import { costRow, rawCosts, timeSerially } from "./costs.js";
import type { BenchSection } from "./section.js";

const resources = Number(process.env.BENCH_COST_PGLITE_RESOURCES ?? 10_000);
const intervalsPerResource = Number(process.env.BENCH_COST_PGLITE_INTERVALS ?? 10);
const queries = Number(process.env.BENCH_COST_QUERIES ?? 20);

/**
 * The year-long cost query on PGlite, `npm start`'s database when no DATABASE_URL is set: the
 * server in this process (PGlite belongs to one process), the fixture's ledger written by the
 * same bulk SQL as on PostgreSQL (`writeCostLedger`), the same raw aggregate as the baseline, in
 * the same PGlite. Smaller by default (100k intervals) since PGlite runs on one core in WASM.
 */
export const costsPglite: BenchSection = {
  name: "costs-pglite",
  run: async () => {
    const db = await openPglite({});
    const config = loadConfig({ LOG_LEVEL: "silent", KTRLPLANE_WORKER: "off" });
    try {
      await migrate({ db });
      const { ctx, server } = await createApp({ config, db });
      await server.listen({ port: 0, host: "127.0.0.1" });
      try {
        const baseUrl = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
        const tenant = await signUpTenant({ baseUrl });
        const departmentId = await addDepartmentAccount({ baseUrl, tenant });
        const billingAccountIds = [tenant.billingAccountId, departmentId];
        // 20 projects, as on PostgreSQL: by project, lines split over them.
        const projectIds = await costProjects({ baseUrl, tenant, count: 20 });
        const { from, to, loadSeconds } = await writeCostLedger({
          db,
          organizationId: tenant.organizationId,
          projectIds,
          billingAccountIds,
          resources,
          intervalsPerResource,
        });
        const window = `from=${from.toISOString()}&to=${to.toISOString()}`;
        const api = (path: string) => () =>
          callApi({ baseUrl, method: "GET", path, token: tenant.token, expect: 200 });
        const byResource = `/v1/organizations/${tenant.organizationId}/costs?group_by=resource&${window}`;
        const byProject = `/v1/organizations/${tenant.organizationId}/costs?group_by=project&${window}`;
        const oneResource = `/v1/resources/res_bench_0000001/costs?${window}`;
        const fixture = { billingAccountIds, from, to };

        const raw = await timeSerially({
          count: queries,
          run: () => rawCosts({ db, fixture, groupBy: "resource" }),
        });
        const ledgerOnly = await timeSerially({ count: 3, run: api(byResource) });
        const began = performance.now();
        let invoices = 0;
        let after: string | undefined;
        do {
          const round = await finalizeDueInvoices({ ctx, after });
          invoices += round.finalized;
          after = round.next;
        } while (after !== undefined);
        const finalizeSeconds = (performance.now() - began) / 1000;
        const invoiced = await timeSerially({ count: queries, run: api(byResource) });
        const projectRaw = await timeSerially({
          count: queries,
          run: () => rawCosts({ db, fixture, groupBy: "project" }),
        });
        const invoicedByProject = await timeSerially({ count: queries, run: api(byProject) });
        const oneRaw = await timeSerially({
          count: queries,
          run: () =>
            rawCosts({ db, fixture, groupBy: "resource", resourceId: "res_bench_0000001" }),
        });
        const one = await timeSerially({ count: queries, run: api(oneResource) });
        return {
          title: `Year-long GET /costs on PGlite (in process): ${resources} resources, ${resources * intervalsPerResource} intervals over 12 months, ${queries} requests each, one at a time`,
          targets: "p50 < 50 ms and p99 < 200 ms (issue 9's PostgreSQL targets, for scale)",
          rows: [
            costRow({ workload: "raw SQL aggregate, by resource", summary: raw }),
            costRow({
              workload: "API, nothing invoiced (worst case), by resource",
              summary: ledgerOnly,
              raw,
            }),
            costRow({
              workload: "API, closed months invoiced, by resource",
              summary: invoiced,
              raw,
            }),
            costRow({ workload: "raw SQL aggregate, by project", summary: projectRaw }),
            costRow({
              workload: "API, closed months invoiced, by project",
              summary: invoicedByProject,
              raw: projectRaw,
            }),
            costRow({ workload: "raw SQL aggregate, one resource", summary: oneRaw }),
            costRow({ workload: "API, one resource's cost", summary: one, raw: oneRaw }),
          ],
          notes: [
            `ledger written by bulk SQL in ${loadSeconds.toFixed(1)} s; ${invoices} invoices finalized in ${finalizeSeconds.toFixed(1)} s`,
            "by resource, the API answers the first page of groups (100); the worst case ran 3 (+1 warm-up)",
          ],
          data: {
            resources,
            intervalsPerResource,
            raw,
            ledgerOnly,
            invoiced,
            projectRaw,
            invoicedByProject,
            one,
            oneRaw,
          },
        };
      } finally {
        await server.close();
      }
    } finally {
      await db.close();
    }
  },
};
