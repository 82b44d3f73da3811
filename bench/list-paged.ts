import { performance } from "node:perf_hooks";
import { callApi } from "./api-client.js";
import { withBenchDatabase } from "./bench-database.js";
import { withCostFixture } from "./cost-fixture.js";
import { summarizeLatencies } from "./latency-stats.js";
import type { BenchRow, BenchSection } from "./section.js";

const resources = Number(process.env.BENCH_LIST_RESOURCES ?? 100_000);
const pageSize = 200;

/** `next` until it returns no cursor, each call timed; the total and the per-call latencies. */
async function pageThrough(
  next: (cursor: string | undefined) => Promise<{ items: number; cursor: string | undefined }>,
) {
  const latenciesMs: number[] = [];
  let items = 0;
  let cursor: string | undefined;
  const began = performance.now();
  do {
    const pageBegan = performance.now();
    const page = await next(cursor);
    latenciesMs.push(performance.now() - pageBegan);
    items += page.items;
    cursor = page.cursor;
  } while (cursor !== undefined);
  const totalMs = performance.now() - began;
  return { items, totalMs, summary: summarizeLatencies({ latenciesMs, windowMs: totalMs }) };
}

/**
 * One project's 100k resources (written by bulk SQL) listed through the API page by page at the
 * largest page size, next to the same keyset query in plain SQL.
 */
export const listPaged: BenchSection = {
  name: "list-paged",
  run: ({ adminUrl }) =>
    withBenchDatabase({
      adminUrl,
      work: (databaseUrl) =>
        withCostFixture({
          databaseUrl,
          resources,
          intervalsPerResource: 1,
          projects: 1,
          work: async ({ ctx, server, fixture }) => {
            const { tenant } = fixture;
            const raw = await pageThrough(async (cursor) => {
              const [at, id] = cursor ? (JSON.parse(cursor) as [string, string]) : [];
              const found = await ctx.db.query<{ id: string; created_at: Date }>(
                `SELECT * FROM ktrlplane.resources
                 WHERE project_id = $1 AND deleted_at IS NULL
                   AND ($2::timestamptz IS NULL OR (created_at, id) > ($2::timestamptz, $3))
                 ORDER BY created_at, id LIMIT ${pageSize}`,
                [tenant.projectId, at ?? null, id ?? null],
              );
              const last = found.at(-1);
              return {
                items: found.length,
                cursor:
                  found.length === pageSize && last
                    ? JSON.stringify([last.created_at.toISOString(), last.id])
                    : undefined,
              };
            });
            const api = await pageThrough(async (cursor) => {
              const page = await callApi<{ data: unknown[]; next_cursor: string | null }>({
                baseUrl: server.baseUrl,
                method: "GET",
                path: `/v1/projects/${tenant.projectId}/resources?limit=${pageSize}${cursor ? `&cursor=${cursor}` : ""}`,
                token: tenant.token,
                expect: 200,
              });
              return { items: page.data.length, cursor: page.next_cursor ?? undefined };
            });
            const line = (workload: string, summary: typeof raw.summary): BenchRow => ({
              workload,
              count: summary.count,
              perSecond: summary.perSecond,
              p50Ms: summary.p50Ms,
              p99Ms: summary.p99Ms,
            });
            const rows: BenchRow[] = [
              line("raw SQL keyset pages", raw.summary),
              {
                ...line("API pages (GET /v1/projects/:id/resources)", api.summary),
                ratio: api.summary.perSecond / raw.summary.perSecond,
              },
            ];
            return {
              title: `A ${resources}-resource project listed ${pageSize} at a time on PostgreSQL`,
              targets: "every page bounded (no target figure in the issue); ops = pages",
              rows,
              notes: [
                `API: ${api.items} resources in ${(api.totalMs / 1000).toFixed(2)} s; raw: ${raw.items} in ${(raw.totalMs / 1000).toFixed(2)} s`,
              ],
              data: { resources, pageSize, api, raw },
            };
          },
        }),
    }),
};
