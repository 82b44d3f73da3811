import { type ChildProcess, fork } from "node:child_process";
import { createServer } from "node:net";
import { performance } from "node:perf_hooks";
import { type StripeEmulator, startStripeEmulator } from "../test/support/stripe-emulator/index.js";
import { stripeQuantitiesByCatalogPrice } from "../test/support/stripe-mode.js";
import { type BenchTenant, callApi, signUpTenant } from "./api-client.js";
import { withBenchDatabase } from "./bench-database.js";
import { summarizeLatencies } from "./latency-stats.js";
import type { BenchRow, BenchSection, SectionResult } from "./section.js";

const burstSize = Number(process.env.BENCH_BURST_SIZE ?? 1000);
const clients = Number(process.env.BENCH_CLIENTS ?? 16);
const latencies = [0, 50];
/** Five prices billed by quantity in the default catalog. */
const prices = [
  ["graph", "standard"],
  ["graph", "performance"],
  ["flow", "standard"],
  ["storage", "standard"],
  ["storage", "archive"],
] as const;
const convergeTimeoutMs = 120_000;
/** The reconciler's longest wait at its defaults (src/worker/reconciler-loop.ts). */
const maxWaitMs = 2_000;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The production entry point (src/main.ts) in a child process: Stripe provider from
 * STRIPE_SECRET_KEY + STRIPE_API_BASE (the emulator), the reconciler on (KTRLPLANE_WORKER, its
 * defaults: debounce 250 ms, poll 200 ms, 4 lanes, 20 Stripe requests/s).
 */
async function startServer(options: { databaseUrl: string; stripeApiBase: string }) {
  const port = await freePort();
  const child: ChildProcess = fork(new URL("../src/main.ts", import.meta.url), [], {
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      STRIPE_SECRET_KEY: "sk_test_bench",
      STRIPE_API_BASE: options.stripeApiBase,
      KTRLPLANE_WORKER: "on",
    },
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  // A bench cut short must not leave the server running.
  const killChild = () => child.kill("SIGKILL");
  process.once("exit", killChild);
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode}`);
    const up = await fetch(`${baseUrl}/v1/resource-types`).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw new Error("server did not start within 120 s");
    await sleep(50);
  }
  return {
    baseUrl,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.off("exit", killChild);
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

const progress = (message: string) => console.error(`stripe-burst: ${message}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Completes Stripe set-up for the tenant's account and waits until the account is active. */
async function activate(options: {
  baseUrl: string;
  emulator: StripeEmulator;
  tenant: BenchTenant;
}) {
  const { baseUrl, emulator, tenant } = options;
  const account = `/v1/billing-accounts/${tenant.billingAccountId}`;
  const setup = await callApi<{ session_id: string }>({
    baseUrl,
    method: "POST",
    path: `${account}/setup`,
    token: tenant.token,
    expect: 200,
  });
  emulator.completeCheckoutSession(setup.session_id);
  await callApi({
    baseUrl,
    method: "POST",
    path: `${account}/sync`,
    token: tenant.token,
    expect: 200,
  });
  const { status } = await callApi<{ status: string }>({
    baseUrl,
    method: "GET",
    path: account,
    token: tenant.token,
    expect: 200,
  });
  if (status !== "active") throw new Error(`account is ${status} after set-up`);
}

function createResource(baseUrl: string, tenant: BenchTenant, index: number) {
  const [type, sku] = prices[index % prices.length] as readonly [string, string];
  return callApi({
    baseUrl,
    method: "POST",
    path: "/v1/resources",
    token: tenant.token,
    body: { project_id: tenant.projectId, resource_type: type, sku, name: `burst-${index}` },
    expect: 201,
  });
}

/** Polls Stripe (the emulator's state) until it holds `expected`, then the API until pending is 0. */
async function waitForConvergence(options: {
  baseUrl: string;
  emulator: StripeEmulator;
  tenant: BenchTenant;
  expected: Record<string, number>;
}): Promise<{ stripeAt: number; pendingZeroAt: number }> {
  const { baseUrl, emulator, tenant, expected } = options;
  const deadline = performance.now() + convergeTimeoutMs;
  const inStep = () => {
    const actual = stripeQuantitiesByCatalogPrice(emulator, tenant.billingAccountId);
    return (
      Object.keys(actual).length === Object.keys(expected).length &&
      Object.entries(expected).every(([k, v]) => actual[k] === v)
    );
  };
  while (!inStep()) {
    if (performance.now() > deadline)
      throw new Error(
        `Stripe did not converge: ${JSON.stringify(stripeQuantitiesByCatalogPrice(emulator, tenant.billingAccountId))}`,
      );
    await sleep(2);
  }
  const stripeAt = performance.now();
  for (;;) {
    const sync = await callApi<{ pending: number; last_error: string | null }>({
      baseUrl,
      method: "GET",
      path: `/v1/billing-accounts/${tenant.billingAccountId}/sync`,
      token: tenant.token,
      expect: 200,
    });
    if (sync.pending === 0 && sync.last_error === null) break;
    if (performance.now() > deadline)
      throw new Error(`sync did not settle: ${JSON.stringify(sync)}`);
    await sleep(10);
  }
  return { stripeAt, pendingZeroAt: performance.now() };
}

interface BurstResult {
  latencyMs: number;
  creates: { count: number; perSecond: number; p50Ms: number; p99Ms: number; seconds: number };
  /** Applied Stripe writes (executed, successful) from the first create to convergence. */
  writes: number;
  writesByEndpoint: Record<string, number>;
  /** One write per price whose quantity changed. */
  floor: number;
  requests: number;
  /** Last create answered → Stripe holds the ledger's quantities. */
  convergenceMs: number;
  /** Last create answered → the API reports nothing pending. */
  pendingZeroMs: number;
  peakRequestsPerSecond: number;
  rateLimited: number;
}

async function burst(options: {
  baseUrl: string;
  emulator: StripeEmulator;
  latencyMs: number;
}): Promise<BurstResult> {
  const { baseUrl, emulator, latencyMs } = options;
  emulator.faults.set({ latencyMs });
  const tenant = await signUpTenant({ baseUrl });
  progress(`Stripe +${latencyMs} ms: set-up`);
  await activate({ baseUrl, emulator, tenant });
  progress("warm-up");
  // One resource per price first, so that the subscription and its five items exist and the
  // burst only changes quantities: the floor is then exactly one write per price.
  for (let i = 0; i < prices.length; i++) await createResource(baseUrl, tenant, i);
  const warm = Object.fromEntries(prices.map(([t, s]) => [`${t}/${s}`, 1]));
  await waitForConvergence({ baseUrl, emulator, tenant, expected: warm });

  progress(`burst of ${burstSize}`);
  const firstRequest = emulator.requests.length;
  const began = performance.now();
  const beganWall = Date.now();
  const latenciesMs: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = next++; i < burstSize; i = next++) {
        const t0 = performance.now();
        await createResource(baseUrl, tenant, i);
        latenciesMs.push(performance.now() - t0);
      }
    }),
  );
  const lastCreate = performance.now();
  const expected = Object.fromEntries(
    prices.map(([t, s], i) => [
      `${t}/${s}`,
      1 + Math.floor(burstSize / prices.length) + (i < burstSize % prices.length ? 1 : 0),
    ]),
  );
  progress("waiting for convergence");
  const { stripeAt, pendingZeroAt } = await waitForConvergence({
    baseUrl,
    emulator,
    tenant,
    expected,
  });
  const window = emulator.requests.slice(firstRequest).filter((r) => r.timestamp >= beganWall);
  const applied = window.filter((r) => r.write && !r.replayed && r.status >= 200 && r.status < 300);
  const writesByEndpoint: Record<string, number> = {};
  for (const r of applied) {
    const endpoint = `${r.method} ${r.path.replace(/\/(si|sub|cus|price|prod)_[A-Za-z0-9]+/g, "/$1_…")}`;
    writesByEndpoint[endpoint] = (writesByEndpoint[endpoint] ?? 0) + 1;
  }
  const summary = summarizeLatencies({ latenciesMs, windowMs: lastCreate - began });
  emulator.faults.clear();
  return {
    latencyMs,
    creates: {
      count: summary.count,
      perSecond: summary.perSecond,
      p50Ms: summary.p50Ms,
      p99Ms: summary.p99Ms,
      seconds: (lastCreate - began) / 1000,
    },
    writes: applied.length,
    writesByEndpoint,
    floor: Math.min(prices.length, burstSize),
    requests: window.length,
    convergenceMs: stripeAt - lastCreate,
    pendingZeroMs: pendingZeroAt - lastCreate,
    peakRequestsPerSecond: emulator.peakRequestsPerSecond((r) => r.timestamp >= beganWall),
    rateLimited: window.filter((r) => r.status === 429).length,
  };
}

const fixed = (value: number, digits: number) => value.toFixed(digits);

function notes(results: BurstResult[]): string[] {
  const header = [
    "Stripe latency",
    "writes",
    "floor",
    "writes/floor",
    "requests",
    "last create → Stripe in step",
    "→ pending 0",
    "peak req/s",
    "429s",
  ];
  const rows = results.map((r) => [
    `${r.latencyMs} ms`,
    String(r.writes),
    String(r.floor),
    fixed(r.writes / r.floor, 2),
    String(r.requests),
    `${fixed(r.convergenceMs, 0)} ms`,
    `${fixed(r.pendingZeroMs, 0)} ms`,
    String(r.peakRequestsPerSecond),
    String(r.rateLimited),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ")}`;
  return [
    "Stripe side of each burst (from the first create until Stripe holds the ledger's quantities):",
    line(header),
    ...rows.map(line),
    ...results.map(
      (r) =>
        `  ${r.latencyMs} ms writes by endpoint: ${Object.entries(r.writesByEndpoint)
          .map(([k, v]) => `${k} ×${v}`)
          .join(", ")}; burst took ${fixed(r.creates.seconds, 2)} s` +
        (r.creates.seconds * 1000 > maxWaitMs
          ? ` (longer than the reconciler's longest wait of ${maxWaitMs / 1000} s: synced in passes, each one write per changed price)`
          : ""),
    ),
  ];
}

/**
 * A burst of creates over five prices in one account, against the Stripe emulator with 0 and with
 * 50 ms latency per request: how many Stripe writes it costs (the floor is one per changed
 * price), how long after the last create Stripe is in step, and the peak request rate.
 */
export const stripeBurst: BenchSection = {
  name: "stripe-burst",
  async run({ adminUrl }): Promise<SectionResult> {
    const emulator = await startStripeEmulator({ seed: 1, rateLimitPerSecond: 25 });
    try {
      return await withBenchDatabase({
        adminUrl,
        work: async (databaseUrl) => {
          const server = await startServer({ databaseUrl, stripeApiBase: emulator.url });
          try {
            const results: BurstResult[] = [];
            for (const latencyMs of latencies)
              results.push(await burst({ baseUrl: server.baseUrl, emulator, latencyMs }));
            const rows: BenchRow[] = results.map((r) => ({
              workload: `API creates, Stripe +${r.latencyMs} ms`,
              count: r.creates.count,
              perSecond: r.creates.perSecond,
              p50Ms: r.creates.p50Ms,
              p99Ms: r.creates.p99Ms,
              pass: r.writes === r.floor,
            }));
            return {
              title: `Stripe burst: ${burstSize} creates over ${prices.length} prices in one account, ${clients} clients, PostgreSQL, reconciler on (defaults), emulator at 25 req/s`,
              targets:
                "Stripe writes = floor (one write per changed price: a burst coalesces into one pass)",
              rows,
              notes: notes(results),
              data: { burstSize, clients, results },
            };
          } finally {
            await server.stop();
          }
        },
      });
    } finally {
      await emulator.close();
    }
  },
};
