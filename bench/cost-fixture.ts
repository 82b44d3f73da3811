import { loadConfig } from "../src/config.js";
import { type AppContext, createContext } from "../src/context.js";
import type { Queryable } from "../src/db/database.js";
import { openPostgres } from "../src/db/postgres.js";
import { finalizeDueInvoices } from "../src/invoices/finalize-due-invoices.js";
import { addDepartmentAccount, type BenchTenant, callApi, signUpTenant } from "./api-client.js";
import { type ServerProcess, startServerProcess } from "./server-process.js";

/** The server's configuration in the cost sections: the request path alone (no reconciler). */
const serverConfig = { LOG_LEVEL: "silent", KTRLPLANE_WORKER: "off" };

/** Flat prices of the default catalog the fixture's resources cycle through (10 slots). */
const priceSlots = [
  ...Array.from({ length: 6 }, () => ["graph", "standard"]),
  ["graph", "performance"],
  ["graph", "performance"],
  ["flow", "standard"],
  ["graph", "free"],
] as const;

export interface CostFixture {
  tenant: BenchTenant;
  billingAccountIds: string[];
  /** The year the ledger covers: 12 calendar months ending with the open one. */
  from: Date;
  to: Date;
  resources: number;
  intervals: number;
  /** Seconds the bulk SQL took to write the ledger. */
  loadSeconds: number;
}

/**
 * A migrated database with the catalog stored, the API server over it and one organization whose
 * year-long ledger is written by bulk SQL: `resources` resources in `projects` projects, each a chain of
 * `intervalsPerResource` back-to-back intervals from `from` to now, alternating between two
 * billing accounts (as project billing switches leave it), the last one open. Change points are
 * jittered per resource so that lines have many distinct quantities.
 */
export async function withCostFixture<T>(options: {
  databaseUrl: string;
  resources: number;
  intervalsPerResource: number;
  /** Projects the resources are spread over (20 unless said). */
  projects?: number;
  work: (options: {
    ctx: AppContext;
    server: ServerProcess;
    fixture: CostFixture;
    /** Freezes every closed month into invoices, as the worker does at month end. */
    finalizeClosedMonths: () => Promise<number>;
  }) => Promise<T>;
}): Promise<T> {
  const { databaseUrl, resources, intervalsPerResource } = options;
  const projects = options.projects ?? 20;
  const db = openPostgres({ url: databaseUrl, maxConnections: 2 });
  const ctx = await createContext({
    config: loadConfig({ ...serverConfig, DATABASE_URL: databaseUrl }),
    db,
  });
  const server = await startServerProcess({ databaseUrl, config: serverConfig });
  try {
    const tenant = await signUpTenant({ baseUrl: server.baseUrl });
    const departmentId = await addDepartmentAccount({ baseUrl: server.baseUrl, tenant });
    const projectIds = await costProjects({ baseUrl: server.baseUrl, tenant, count: projects });
    const billingAccountIds = [tenant.billingAccountId, departmentId];
    const { from, to, loadSeconds } = await writeCostLedger({
      db,
      organizationId: tenant.organizationId,
      projectIds,
      billingAccountIds,
      resources,
      intervalsPerResource,
    });

    return await options.work({
      ctx,
      server,
      fixture: {
        tenant,
        billingAccountIds,
        from,
        to,
        resources,
        intervals: resources * intervalsPerResource,
        loadSeconds,
      },
      finalizeClosedMonths: async () => {
        let finalized = 0;
        let after: string | undefined;
        do {
          const round = await finalizeDueInvoices({ ctx, after });
          finalized += round.finalized;
          after = round.next;
        } while (after !== undefined);
        // As autovacuum would between finalizations (a month apart in a deployment): this
        // machine's PostgreSQL runs with autovacuum off (CI's configuration), and 22
        // finalizations in a row leave the running sums' table (migration 032) with 870k dead
        // row versions for 20k live ones, which the cost query would step over.
        await db.query("VACUUM ANALYZE");
        return finalized;
      },
    });
  } finally {
    await server.stop();
    await db.close();
  }
}

/** The tenant's project and `count - 1` more, created through the API: the projects costs split over. */
export async function costProjects(options: {
  baseUrl: string;
  tenant: BenchTenant;
  count: number;
}): Promise<string[]> {
  const { baseUrl, tenant } = options;
  const projectIds = [tenant.projectId];
  for (let i = 1; i < options.count; i++) {
    const project = await callApi<{ id: string }>({
      baseUrl,
      method: "POST",
      path: "/v1/projects",
      token: tenant.token,
      body: { name: `bench-${i}`, organization_id: tenant.organizationId },
      expect: 201,
    });
    projectIds.push(project.id);
  }
  return projectIds;
}

/** A year-long cost query through the API, as the console asks it. */
export function costsPath(options: { fixture: CostFixture; groupBy: string }): string {
  const { fixture, groupBy } = options;
  return `/v1/organizations/${fixture.tenant.organizationId}/costs?group_by=${groupBy}&from=${fixture.from.toISOString()}&to=${fixture.to.toISOString()}`;
}

/**
 * The fixture's year-long ledger, by bulk SQL: `resources` resources spread over `projectIds`, each
 * a chain of `intervalsPerResource` back-to-back intervals from 11 months before the current month
 * to an hour ago, alternating between the two accounts, the last one open; change points jittered
 * per resource so that lines have many distinct quantities. Used on PostgreSQL and on PGlite.
 */
export async function writeCostLedger(options: {
  db: Queryable;
  organizationId: string;
  projectIds: string[];
  billingAccountIds: string[];
  resources: number;
  intervalsPerResource: number;
}): Promise<{ from: Date; to: Date; loadSeconds: number }> {
  const { db, organizationId, projectIds, billingAccountIds, resources, intervalsPerResource } =
    options;
  const projects = projectIds.length;
  const now = new Date();
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 11, 1));
  const fromS = Math.floor(from.getTime() / 1000);
  // An hour short of now, so that the jittered last boundary is still in the past.
  const span = Math.floor(now.getTime() / 1000) - fromS - 3600;

  const began = performance.now();
  await db.query(
    `INSERT INTO ktrlplane.resources
         (id, organization_id, project_id, name, resource_type, sku, created_at)
       SELECT 'res_bench_' || lpad(g::text, 7, '0'), $1, ($2::text[])[1 + g % $7], 'r' || g,
         ($3::text[])[1 + g % 10], ($4::text[])[1 + g % 10], to_timestamp($5)
       FROM generate_series(1, $6::int) AS g`,
    [
      organizationId,
      projectIds,
      priceSlots.map(([type]) => type),
      priceSlots.map(([, sku]) => sku),
      fromS,
      resources,
      projects,
    ],
  );
  await db.query(
    `INSERT INTO ktrlplane.billing_intervals (resource_id, project_id, billing_account_id,
         resource_type, sku, price_version, started_at, ended_at)
       SELECT r.id, r.project_id, ($1::text[])[1 + k % 2], r.resource_type, r.sku, 1,
         to_timestamp($2 + CASE WHEN k = 0 THEN 0 ELSE k::bigint * $3 / $4 + r.jitter END),
         CASE WHEN k = $4 - 1 THEN NULL
           ELSE to_timestamp($2 + (k + 1)::bigint * $3 / $4 + r.jitter) END
       FROM (SELECT id, project_id, resource_type, sku,
               (substr(id, 11)::bigint * 7919) % 3600 AS jitter
             FROM ktrlplane.resources WHERE organization_id = $5) AS r,
         generate_series(0, $4::int - 1) AS k`,
    [billingAccountIds, fromS, span, intervalsPerResource, organizationId],
  );
  // Statistics and the visibility map, as autovacuum would after a bulk load (off here).
  await db.query("VACUUM ANALYZE");
  const loadSeconds = (performance.now() - began) / 1000;
  return { from, to, loadSeconds };
}
