import { availableParallelism } from "node:os";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { migrate } from "../src/db/migrate.js";
import { openPostgres } from "../src/db/postgres.js";
import {
  type BenchTenant,
  createResourceViaApi,
  deleteResourceViaApi,
  httpClientName,
  signUpTenant,
} from "./api-client.js";
import { adminQuery, withBenchDatabase } from "./bench-database.js";
import { type ClosedLoopResult, type Measure, runClosedLoop } from "./closed-loop.js";
import type { DatabaseCounters } from "./counting-database.js";
import { backendsCpuMs, backendsCpuSpent, type CpuSnapshot, cpuSnapshot } from "./cpu-usage.js";
import { type LatencySummary, summarizeLatencies } from "./latency-stats.js";
import { type LockWaits, lockWaitSampler } from "./lock-waits.js";
import { createResourceRaw, deleteResourceRaw } from "./raw-writes.js";
import type { BenchRow, SectionResult } from "./section.js";
import { type ServerProcess, type ServerStats, startServerProcess } from "./server-process.js";

const clients = Number(process.env.BENCH_CLIENTS ?? 16);
const warmupMs = Number(process.env.BENCH_WARMUP_MS ?? 2_000);
const durationMs = Number(process.env.BENCH_DURATION_MS ?? 10_000);
const serialCount = Number(process.env.BENCH_SERIAL_COUNT ?? 300);

/** One configuration of the server under the create+delete load, and what it should reach. */
export interface CreateDeleteOptions {
  adminUrl: string;
  /** The title's first words: what is compared. */
  title: string;
  /** The server's environment as src/config.ts reads it (DATABASE_URL is the bench's). */
  serverConfig: Record<string, string>;
  /** API create+delete rate over raw's, at least. */
  targetRatio: number;
  /** API p99 under this. */
  targetP99Ms: number;
  /** Also profile one client alone: statements and PostgreSQL's share of each request. */
  serial: boolean;
}

interface CpuPerOp {
  loadGeneratorMs: number;
  serverMs: number;
  postgresMs: number;
  otherMs: number;
  /** Busy share of all cores during the window. */
  machineUtilisation: number;
}

interface PhaseResult {
  create: LatencySummary;
  delete: LatencySummary;
  combined: LatencySummary;
  cpuPerRequest: CpuPerOp;
  lockWaits: LockWaits;
  serverCounters?: DatabaseCounters;
}

function diffCounters(a: DatabaseCounters, b: DatabaseCounters): DatabaseCounters {
  return {
    queries: b.queries - a.queries,
    queryMs: b.queryMs - a.queryMs,
    transactions: b.transactions - a.transactions,
    transactionOverheadMs: b.transactionOverheadMs - a.transactionOverheadMs,
  };
}

/**
 * Runs one closed-loop phase and samples CPU (and the server's counters) at the window edges, and
 * the database's lock waits in between.
 */
async function runPhase(options: {
  adminUrl: string;
  databaseUrl: string;
  server?: ServerProcess;
  iteration: (options: { client: number; measure: Measure }) => Promise<void>;
}): Promise<PhaseResult> {
  // Start every phase from a clean checkpoint, so one phase's dirty pages are not the next's bill.
  await adminQuery({ adminUrl: options.adminUrl, sql: "CHECKPOINT" });
  let cpuStart: CpuSnapshot | undefined;
  let cpuEnd: CpuSnapshot | undefined;
  let backendsStart: Map<number, number> | undefined;
  let backendsEnd: Map<number, number> | undefined;
  let serverStart: ServerStats | undefined;
  let serverEnd: ServerStats | undefined;
  const locks = lockWaitSampler({ databaseUrl: options.databaseUrl });
  let lockWaits: LockWaits | undefined;
  let loop: ClosedLoopResult;
  try {
    loop = await runClosedLoop({
      clients,
      warmupMs,
      durationMs,
      iteration: options.iteration,
      onWindowStart: async () => {
        backendsStart = await backendsCpuMs(options.databaseUrl);
        cpuStart = cpuSnapshot();
        serverStart = await options.server?.stats();
        await locks.start();
      },
      onWindowEnd: async () => {
        cpuEnd = cpuSnapshot();
        backendsEnd = await backendsCpuMs(options.databaseUrl);
        serverEnd = await options.server?.stats();
        lockWaits = await locks.stop();
      },
    });
  } finally {
    // A window that never closed leaves the sampler running: stop it, or the database stays busy.
    if (!lockWaits) await locks.stop();
  }
  if (!cpuStart || !cpuEnd || !backendsStart || !backendsEnd || !lockWaits) {
    throw new Error("the measured window never closed");
  }
  const creates = loop.latenciesMs.get("create") ?? [];
  const deletes = loop.latenciesMs.get("delete") ?? [];
  const requests = creates.length + deletes.length;
  const serverMs = serverStart && serverEnd ? serverEnd.cpuMs - serverStart.cpuMs : 0;
  const machineMs = cpuEnd.machineMs - cpuStart.machineMs;
  const loadGeneratorMs = cpuEnd.selfMs - cpuStart.selfMs;
  // The bench database's backends only: other databases on the machine are other processes.
  const postgresMs = backendsCpuSpent(backendsStart, backendsEnd);
  return {
    create: summarizeLatencies({ latenciesMs: creates, windowMs: loop.windowMs }),
    delete: summarizeLatencies({ latenciesMs: deletes, windowMs: loop.windowMs }),
    combined: summarizeLatencies({
      latenciesMs: [...creates, ...deletes],
      windowMs: loop.windowMs,
    }),
    cpuPerRequest: {
      loadGeneratorMs: loadGeneratorMs / requests,
      serverMs: serverMs / requests,
      postgresMs: postgresMs / requests,
      otherMs: Math.max(0, machineMs - loadGeneratorMs - serverMs - postgresMs) / requests,
      machineUtilisation: machineMs / (loop.windowMs * availableParallelism()),
    },
    lockWaits,
    ...(serverStart && serverEnd
      ? { serverCounters: diffCounters(serverStart.counters, serverEnd.counters) }
      : {}),
  };
}

interface SerialProfile {
  apiCreateMs: number;
  apiDeleteMs: number;
  rawCreateMs: number;
  rawDeleteMs: number;
  /** Server-side, per API request: statements, their wait, and the transaction's own round trips. */
  apiCreateDb: DatabaseCounters;
  apiDeleteDb: DatabaseCounters;
}

const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;

function perOp(counters: DatabaseCounters, count: number): DatabaseCounters {
  return {
    queries: counters.queries / count,
    queryMs: counters.queryMs / count,
    transactions: counters.transactions / count,
    transactionOverheadMs: counters.transactionOverheadMs / count,
  };
}

/**
 * One client, no concurrency: where a single create's time goes. The server's counters are read
 * between the creates and the deletes, so each gets its own round-trip count.
 */
async function serialProfile(options: {
  server: ServerProcess;
  tenant: BenchTenant;
  rawClient: pg.Client;
}): Promise<SerialProfile> {
  const { server, tenant, rawClient } = options;
  const baseUrl = server.baseUrl;
  const time = async (work: () => Promise<unknown>) => {
    const began = performance.now();
    await work();
    return performance.now() - began;
  };
  const ids: string[] = [];
  const apiCreate: number[] = [];
  const apiDelete: number[] = [];
  const s0 = await server.stats();
  for (let i = 0; i < serialCount; i++) {
    apiCreate.push(
      await time(async () => {
        ids.push(await createResourceViaApi({ baseUrl, tenant, name: `serial-${i}` }));
      }),
    );
  }
  const s1 = await server.stats();
  for (const id of ids)
    apiDelete.push(await time(() => deleteResourceViaApi({ baseUrl, tenant, id })));
  const s2 = await server.stats();
  const rawIds: string[] = [];
  const rawCreate: number[] = [];
  const rawDelete: number[] = [];
  for (let i = 0; i < serialCount; i++) {
    rawCreate.push(
      await time(async () => {
        rawIds.push(await createResourceRaw({ client: rawClient, tenant, name: `serial-${i}` }));
      }),
    );
  }
  for (const id of rawIds) {
    rawDelete.push(await time(() => deleteResourceRaw({ client: rawClient, id })));
  }
  return {
    apiCreateMs: mean(apiCreate),
    apiDeleteMs: mean(apiDelete),
    rawCreateMs: mean(rawCreate),
    rawDeleteMs: mean(rawDelete),
    apiCreateDb: perOp(diffCounters(s0.counters, s1.counters), serialCount),
    apiDeleteDb: perOp(diffCounters(s1.counters, s2.counters), serialCount),
  };
}

function rows(options: {
  api: PhaseResult;
  raw: PhaseResult;
  targetRatio: number;
  targetP99Ms: number;
}): BenchRow[] {
  const { api, raw, targetRatio, targetP99Ms } = options;
  const kinds = [
    ["create", "create"],
    ["delete", "delete"],
    ["combined", "create+delete"],
  ] as const;
  const result: BenchRow[] = [];
  for (const [key, label] of kinds) {
    const ratio = api[key].perSecond / raw[key].perSecond;
    result.push({
      workload: `API ${label}`,
      count: api[key].count,
      perSecond: api[key].perSecond,
      p50Ms: api[key].p50Ms,
      p99Ms: api[key].p99Ms,
      ratio,
      pass: ratio >= targetRatio && api[key].p99Ms < targetP99Ms,
    });
  }
  for (const [key, label] of kinds) {
    result.push({
      workload: `raw SQL ${label}`,
      count: raw[key].count,
      perSecond: raw[key].perSecond,
      p50Ms: raw[key].p50Ms,
      p99Ms: raw[key].p99Ms,
    });
  }
  return result;
}

const ms = (value: number) => value.toFixed(3);

function notes(options: {
  api: PhaseResult;
  raw: PhaseResult;
  serial: SerialProfile | undefined;
}): string[] {
  const { api, raw, serial } = options;
  const cpu = (label: string, c: CpuPerOp) =>
    `  ${label.padEnd(8)} load generator ${ms(c.loadGeneratorMs)}  API server ${ms(c.serverMs)}  ` +
    `postgres (this database's backends) ${ms(c.postgresMs)}  other processes + kernel ${ms(c.otherMs)}  (machine ${(c.machineUtilisation * 100).toFixed(0)} % busy)`;
  const db = (label: string, latency: number, c: DatabaseCounters) => {
    const dbMs = c.queryMs + c.transactionOverheadMs;
    return (
      `  API ${label}: ${ms(latency)} ms; server waits on PostgreSQL ${ms(dbMs)} ms ` +
      `(${c.queries.toFixed(1)} statements + ${(c.transactions * 2).toFixed(0)} BEGIN/COMMIT), ` +
      `the other ${ms(latency - dbMs)} ms is HTTP, Fastify, zod, JSON and app code`
    );
  };
  const locks = (label: string, l: LockWaits) => {
    const waiting = Object.values(l.waiting).reduce((sum, v) => sum + v, 0);
    const events = Object.entries(l.waiting)
      .map(([event, v]) => `${event} ${v.toFixed(2)}`)
      .join(", ");
    return `  ${label.padEnd(8)} ${l.active.toFixed(1)} sessions running a statement, ${waiting.toFixed(2)} of them waiting on a lock${events ? ` (${events})` : ""}`;
  };
  const counters = api.serverCounters;
  const requests = api.combined.count;
  return [
    `CPU ms per request in the measured window (${availableParallelism()} cores):`,
    cpu("API", api.cpuPerRequest),
    cpu("raw SQL", raw.cpuPerRequest),
    `PostgreSQL sessions in the measured window, mean of ${api.lockWaits.samples} and ${raw.lockWaits.samples} samples:`,
    locks("API", api.lockWaits),
    locks("raw SQL", raw.lockWaits),
    ...(counters
      ? [
          `  API server statements per request under load: ${(counters.queries / requests).toFixed(2)} + BEGIN/COMMIT`,
        ]
      : []),
    ...(serial
      ? [
          `One client, ${serialCount} of each, mean latency:`,
          db("create", serial.apiCreateMs, serial.apiCreateDb),
          db("delete", serial.apiDeleteMs, serial.apiDeleteDb),
          `  raw create: ${ms(serial.rawCreateMs)} ms, raw delete: ${ms(serial.rawDeleteMs)} ms (4 and 3 statements + BEGIN/COMMIT)`,
        ]
      : []),
  ];
}

/**
 * The same writes through the HTTP API and as plain SQL on one fresh database, `clients`
 * concurrent clients each, in one run: the raw rate is the baseline of the API's.
 */
export async function measureCreateDelete(options: CreateDeleteOptions): Promise<SectionResult> {
  const { adminUrl, targetRatio, targetP99Ms } = options;
  return withBenchDatabase({
    adminUrl,
    work: async (databaseUrl) => {
      const setup = openPostgres({ url: databaseUrl, maxConnections: 1 });
      try {
        await migrate({ db: setup });
      } finally {
        await setup.close();
      }
      const server = await startServerProcess({ databaseUrl, config: options.serverConfig });
      const rawClients: pg.Client[] = [];
      try {
        const tenant = await signUpTenant({ baseUrl: server.baseUrl });
        for (let i = 0; i < clients; i++) {
          const client = new pg.Client({ connectionString: databaseUrl });
          await client.connect();
          rawClients.push(client);
        }

        let counter = 0;
        const raw = await runPhase({
          adminUrl,
          databaseUrl,
          iteration: async ({ client, measure }) => {
            const connection = rawClients[client] as pg.Client;
            const id = await measure("create", () =>
              createResourceRaw({ client: connection, tenant, name: `raw-${counter++}` }),
            );
            await measure("delete", () => deleteResourceRaw({ client: connection, id }));
          },
        });
        const baseUrl = server.baseUrl;
        const api = await runPhase({
          adminUrl,
          databaseUrl,
          server,
          iteration: async ({ measure }) => {
            const id = await measure("create", () =>
              createResourceViaApi({ baseUrl, tenant, name: `api-${counter++}` }),
            );
            await measure("delete", () => deleteResourceViaApi({ baseUrl, tenant, id }));
          },
        });
        const serial = options.serial
          ? await serialProfile({ server, tenant, rawClient: rawClients[0] as pg.Client })
          : undefined;
        return {
          title: `${options.title}: ${clients} clients, ${warmupMs / 1000} s warm-up, ${durationMs / 1000} s measured, HTTP client ${httpClientName}`,
          targets: `API create+delete rate >= ${targetRatio * 100} % of raw, API p99 < ${targetP99Ms} ms`,
          rows: rows({ api, raw, targetRatio, targetP99Ms }),
          notes: notes({ api, raw, serial }),
          data: {
            clients,
            warmupMs,
            durationMs,
            httpClient: httpClientName,
            serverConfig: options.serverConfig,
            api,
            raw,
            ...(serial ? { serial } : {}),
          },
        };
      } finally {
        await Promise.allSettled(rawClients.map((c) => c.end()));
        await server.stop();
      }
    },
  });
}
