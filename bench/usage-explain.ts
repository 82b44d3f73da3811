// `npx tsx bench/usage-explain.ts`: EXPLAIN (ANALYZE, BUFFERS) of the ingestion statement for one
// 10,000-event batch (20 % resends of the batch before) on a fresh database, after `warm` batches
// sent through the API; rolled back. Where the database's time goes, node by node.
import { openPostgres } from "../src/db/postgres.js";
import { claimAndStoreUsageEvents, type StoredUsageEvent } from "../src/db/usage-events.js";
import { writeUsageCatalog } from "../test/support/usage-catalog.js";
import { callApi } from "./api-client.js";
import { adminUrlFromEnv, withBenchDatabase } from "./bench-database.js";
import { withUsageTenant } from "./usage-tenant.js";

const warm = Number(process.env.BENCH_EXPLAIN_WARM ?? 10);
const base = Date.now() - 4 * 60_000;
const event = (u: number, resources: string[]) => ({
  id: `evt-${u}`,
  resource_id: resources[u % resources.length] as string,
  event_name: "flow_runs",
  value: (u % 100) + 1,
  timestamp: new Date(base + (u % 240_000)).toISOString(),
});

await withBenchDatabase({
  adminUrl: adminUrlFromEnv(),
  work: async (databaseUrl) => {
    const catalogPath = await writeUsageCatalog();
    const resources = await withUsageTenant({
      databaseUrl,
      catalogPath,
      resourceCount: 100,
      work: async ({ baseUrl, tenant, resources }) => {
        for (let b = 0; b < warm; b++) {
          await callApi({
            baseUrl,
            method: "POST",
            path: "/v1/usage",
            token: tenant.token,
            body: {
              events: Array.from({ length: 10_000 }, (_, k) => event(b * 10_000 + k, resources)),
            },
            expect: 200,
          });
        }
        return resources;
      },
    });
    const db = openPostgres({ url: databaseUrl });
    const placed = new Map(
      (
        await db.query<{ id: string; organization_id: string; project_id: string }>(
          "SELECT id, organization_id, project_id FROM ktrlplane.resources",
        )
      ).map((r) => [r.id, r]),
    );
    const events: StoredUsageEvent[] = Array.from({ length: 10_000 }, (_, k) => {
      const u = k < 8000 ? warm * 10_000 + k : (warm - 1) * 10_000 + k * 4 - 32_000;
      const e = event(u, resources);
      const r = placed.get(e.resource_id);
      return {
        organization_id: r?.organization_id ?? "",
        project_id: r?.project_id ?? "",
        resource_id: e.resource_id,
        event_id: e.id,
        event_name: e.event_name,
        value: String(e.value),
        timestamp: new Date(e.timestamp),
        timestamp_iso: new Date(e.timestamp).toISOString(),
        properties: "{}",
        content_hash: "x",
        distinct_value: null,
      };
    });
    await db
      .transaction(async (tx) => {
        const explaining = {
          query: async <Row>(text: string, params?: unknown[]) => {
            if (!text.includes("WITH input")) return tx.query<Row>(text, params);
            const plan = await tx.query<{ "QUERY PLAN": string }>(
              `EXPLAIN (ANALYZE, BUFFERS) ${text}`,
              params,
            );
            console.log(plan.map((p) => p["QUERY PLAN"]).join("\n"));
            return [] as Row[];
          },
        };
        await claimAndStoreUsageEvents({ db: explaining, events, at: new Date() });
        throw new Error("rollback");
      })
      .catch(() => undefined);
    await db.close();
  },
});
