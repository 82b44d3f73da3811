import { seriesValue } from "../test/support/metrics-text.js";
import { callApi } from "./api-client.js";
import { withBenchDatabase } from "./bench-database.js";
import { runClosedLoop } from "./closed-loop.js";
import { costsPath, withCostFixture } from "./cost-fixture.js";
import { costIntervalsPerResource, costResources } from "./costs.js";
import { summarizeLatencies } from "./latency-stats.js";
import type { BenchRow, BenchSection } from "./section.js";

const heavyClients = 8;
const warmupMs = Number(process.env.BENCH_WARMUP_MS ?? 2_000);
const durationMs = Number(process.env.BENCH_DURATION_MS ?? 10_000);
const targetP99Ms = 20;
const samplingMs = 10;

/**
 * How long the server's event loop was held (max and p99, ms) since the previous scrape:
 * prom-client's default metrics sample it with `monitorEventLoopDelay` every 10 ms and reset it
 * at each scrape. A sample is the time between two ticks, so the 10 ms interval is taken off. It
 * counts time our code held the loop and time the process waited for a CPU.
 */
async function eventLoopDelay(options: { baseUrl: string }) {
  const text = await (await fetch(`${options.baseUrl}/metrics`)).text();
  const ms = (series: string) =>
    Math.max((seriesValue({ text, series }) ?? Number.NaN) * 1000 - samplingMs, 0);
  return {
    maxMs: ms("ktrlplane_nodejs_eventloop_lag_max_seconds"),
    p99Ms: ms("ktrlplane_nodejs_eventloop_lag_p99_seconds"),
  };
}

/**
 * Does one heavy request stall everyone else? `/healthz` back to back, first alone, then while
 * 8 clients run year-long `group_by=resource` cost queries back to back over the `costs`
 * section's ledger (closed months invoiced, as the worker leaves them).
 */
export const healthzUnderLoad: BenchSection = {
  name: "healthz-under-load",
  run: ({ adminUrl }) =>
    withBenchDatabase({
      adminUrl,
      work: (databaseUrl) =>
        withCostFixture({
          databaseUrl,
          resources: costResources,
          intervalsPerResource: costIntervalsPerResource,
          work: async ({ server, fixture, finalizeClosedMonths }) => {
            await finalizeClosedMonths();
            const { baseUrl } = server;
            const healthz = () =>
              callApi({ baseUrl, method: "GET", path: "/healthz", expect: 200 });
            const costs = () =>
              callApi({
                baseUrl,
                method: "GET",
                path: costsPath({ fixture, groupBy: "resource" }),
                token: fixture.tenant.token,
                expect: 200,
              });
            await eventLoopDelay({ baseUrl });
            const alone = await runClosedLoop({
              clients: 1,
              warmupMs,
              durationMs,
              iteration: async ({ measure }) => {
                await measure("healthz", healthz);
              },
            });
            const loopDelayAlone = await eventLoopDelay({ baseUrl });
            const loaded = await runClosedLoop({
              clients: heavyClients + 1,
              warmupMs,
              durationMs,
              iteration: async ({ client, measure }) => {
                await (client === 0 ? measure("healthz", healthz) : measure("costs", costs));
              },
            });
            const loopDelay = await eventLoopDelay({ baseUrl });
            const summary = (latenciesMs: number[] | undefined) =>
              summarizeLatencies({ latenciesMs: latenciesMs ?? [], windowMs: durationMs });
            const quiet = summary(alone.latenciesMs.get("healthz"));
            const underLoad = summary(loaded.latenciesMs.get("healthz"));
            const heavy = summary(loaded.latenciesMs.get("costs"));
            const rows: BenchRow[] = [
              { workload: "/healthz alone", ...quiet },
              {
                workload: `/healthz during ${heavyClients} cost queries`,
                ...underLoad,
                ratio: underLoad.perSecond / quiet.perSecond,
                pass: underLoad.p99Ms < targetP99Ms,
              },
              { workload: "year-long costs by resource (8 at once)", ...heavy },
            ];
            return {
              title: `/healthz while ${heavyClients} year-long cost queries run at once: ${fixture.resources} resources, ${fixture.intervals} intervals, ${warmupMs / 1000} s warm-up, ${durationMs / 1000} s measured`,
              targets: `/healthz p99 < ${targetP99Ms} ms under the load (API/raw column: its rate over its rate alone)`,
              rows: rows.map(({ workload, count, perSecond, p50Ms, p99Ms, ratio, pass }) => ({
                workload,
                count,
                perSecond,
                p50Ms,
                p99Ms,
                ...(ratio === undefined ? {} : { ratio }),
                ...(pass === undefined ? {} : { pass }),
              })),
              notes: [
                `/healthz max under load: ${underLoad.maxMs.toFixed(1)} ms`,
                `server's event loop held (warm-up included): alone p99 ${loopDelayAlone.p99Ms.toFixed(1)} ms, max ${loopDelayAlone.maxMs.toFixed(1)} ms; under load p99 ${loopDelay.p99Ms.toFixed(1)} ms, max ${loopDelay.maxMs.toFixed(1)} ms`,
              ],
              data: { quiet, underLoad, heavy, loopDelayAlone, loopDelay },
            };
          },
        }),
    }),
};
