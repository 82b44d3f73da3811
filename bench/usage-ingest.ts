import { performance } from "node:perf_hooks";
import pg from "pg";
import { migrate } from "../src/db/migrate.js";
import { openPostgres } from "../src/db/postgres.js";
import { ensureUsagePartitions } from "../src/db/usage-partitions.js";
import { writeUsageCatalog } from "../test/support/usage-catalog.js";
import { callApi } from "./api-client.js";
import { withBenchDatabase } from "./bench-database.js";
import { summarizeLatencies } from "./latency-stats.js";
import type { BenchSection, SectionResult } from "./section.js";
import { measureWindowCpu, type WindowCpu } from "./usage-cpu.js";
import { withUsageTenant } from "./usage-tenant.js";

const total = Number(process.env.BENCH_USAGE_EVENTS ?? 1_000_000);
const batchSize = 10_000;
const clients = Number(process.env.BENCH_USAGE_CLIENTS ?? 4);
const resourceCount = 100;
/** Of every batch, this share resends events of an earlier batch (same ids, same content). */
const duplicateShare = 0.2;

interface UsageEvent {
  id: string;
  resource_id: string;
  event_name: string;
  value: number;
  timestamp: string;
}

/**
 * The sendings, batch by batch: event `u` is the same wherever it is sent. A batch's duplicates
 * are events of the batch `clients` before it (most likely answered already, as a client's retry
 * after a timeout would be); the first batches repeat their own.
 */
function batchOf(options: { b: number; resources: string[]; base: number }): UsageEvent[] {
  const { b, resources, base } = options;
  const fresh = Math.round(batchSize * (1 - duplicateShare));
  const event = (u: number): UsageEvent => ({
    id: `evt-${u}`,
    resource_id: resources[u % resources.length] as string,
    event_name: "flow_runs",
    value: (u % 100) + 1,
    // Spread over the four minutes before the run: inside the resources' lives, in one or two hours.
    timestamp: new Date(base + (u % 240_000)).toISOString(),
  });
  const events = Array.from({ length: fresh }, (_, k) => event(b * fresh + k));
  const from = b >= clients ? b - clients : b;
  for (let k = 0; k < batchSize - fresh; k++) events.push(event(from * fresh + k * 4));
  return events;
}

/** Runs `send` over every batch, `clients` at a time; each batch's latency in ms. */
async function sendAll(options: {
  batches: number;
  send: (b: number, client: number) => Promise<void>;
}): Promise<{ latenciesMs: number[]; windowMs: number }> {
  const latenciesMs: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let b = next++; b < options.batches; b = next++) {
        const began = performance.now();
        await options.send(b, client);
        latenciesMs.push(performance.now() - began);
      }
    }),
  );
  return { latenciesMs, windowMs: performance.now() - started };
}

/**
 * Usage ingestion through the API (POST /v1/usage: dedup record, partitioned events, hourly
 * rollups in one transaction per batch) next to the same rows bulk-inserted by plain SQL with
 * `ON CONFLICT DO NOTHING`, on a fresh database each, the same batches and concurrency.
 */
async function measureUsageIngest(options: { adminUrl: string }): Promise<SectionResult> {
  const batches = Math.ceil(total / batchSize);
  const catalogPath = await writeUsageCatalog();
  const base = Date.now() - 4 * 60_000;

  const api = await withBenchDatabase({
    adminUrl: options.adminUrl,
    work: (databaseUrl) =>
      withUsageTenant({
        databaseUrl,
        catalogPath,
        resourceCount,
        work: async ({ baseUrl, tenant, resources, serverCpuMs }) => {
          let accepted = 0;
          let duplicates = 0;
          const { result: timing, cpu } = await measureWindowCpu({
            databaseUrl,
            serverCpuMs,
            work: () =>
              sendAll({
                batches,
                send: async (b) => {
                  const answer = await callApi<{ accepted: number; duplicates: number }>({
                    baseUrl,
                    method: "POST",
                    path: "/v1/usage",
                    token: tenant.token,
                    body: { events: batchOf({ b, resources, base }) },
                    expect: 200,
                  });
                  accepted += answer.accepted;
                  duplicates += answer.duplicates;
                },
              }),
          });
          return { timing, cpu, accepted, duplicates };
        },
      }),
  });

  const plain = await rawIngest({ ...options, base, sql: PLAIN_INSERT });
  const sameDedup = await rawIngest({ ...options, base, sql: INSERT_WITH_ID_CLAIM });

  const sent = batches * batchSize;
  const perBatch = (ms: number) => ((ms * batchSize) / sent).toFixed(0);
  const cpuTotal = (cpu: WindowCpu) => cpu.serverMs + cpu.postgresMs + cpu.clientMs;
  const cpuLine = (label: string, cpu: WindowCpu) =>
    `${label} ${perBatch(cpuTotal(cpu))} ms (server ${perBatch(cpu.serverMs)}, PostgreSQL ${perBatch(cpu.postgresMs)}, load generator ${perBatch(cpu.clientMs)})`;
  const apiSummary = summarizeLatencies(api.timing);
  const apiRate = sent / (api.timing.windowMs / 1000);
  const rateOf = (raw: RawRun) => sent / (raw.timing.windowMs / 1000);
  const ratio = apiRate / rateOf(sameDedup);
  const rawRow = (workload: string, raw: RawRun) => {
    const summary = summarizeLatencies(raw.timing);
    return {
      workload,
      count: sent,
      perSecond: rateOf(raw),
      p50Ms: summary.p50Ms,
      p99Ms: summary.p99Ms,
    };
  };
  return {
    title: `Usage ingestion: POST /v1/usage vs raw bulk INSERT … ON CONFLICT DO NOTHING on PostgreSQL (${sent.toLocaleString("en")} events, ${duplicateShare * 100} % duplicates, batches of ${batchSize.toLocaleString("en")}, ${clients} clients)`,
    targets: "API events/s ≥ 50 % of raw with the same dedup",
    rows: [
      rawRow("raw INSERT … ON CONFLICT DO NOTHING into the events only (events/s)", plain),
      rawRow(
        "raw, same dedup: id claim + event INSERT … ON CONFLICT DO NOTHING (events/s)",
        sameDedup,
      ),
      {
        workload: "API POST /v1/usage (events/s; latency per request)",
        count: sent,
        perSecond: apiRate,
        p50Ms: apiSummary.p50Ms,
        p99Ms: apiSummary.p99Ms,
        ratio,
        pass: ratio >= 0.5,
      },
    ],
    notes: [
      `stored: API accepted ${api.accepted.toLocaleString("en")} and answered ${api.duplicates.toLocaleString("en")} duplicates; raw inserted ${plain.inserted.toLocaleString("en")} (events only) and ${sameDedup.inserted.toLocaleString("en")} (same dedup)`,
      `API/raw events-only: ${((apiRate / rateOf(plain)) * 100).toFixed(1)} %. The events-only baseline dedups on (organization, id, timestamp), the partitioned table's key: an id resent with another timestamp is stored twice, which the API refuses; the ratio that counts is against the baseline with the API's guarantee.`,
      `CPU per 10,000 events (comparable on a busy machine, unlike rates): ${cpuLine("API", api.cpu)}; ${cpuLine("raw same dedup", sameDedup.cpu)}; ${cpuLine("raw events only", plain.cpu)}. raw same dedup / API: ${((cpuTotal(sameDedup.cpu) / cpuTotal(api.cpu)) * 100).toFixed(1)} %`,
      `BENCH_USAGE_EVENTS=${total} (default 1,000,000), BENCH_USAGE_CLIENTS=${clients}`,
    ],
    data: { sent, api, plain, sameDedup, ratio },
  };
}

/** The events alone: dedup only on the partitioned table's key, which holds the timestamp. */
const PLAIN_INSERT = `INSERT INTO ktrlplane.usage_events
     (organization_id, project_id, resource_id, event_name, value, "timestamp",
      event_id, properties, received_at)
   SELECT 'org_raw', 'prj_raw', r, n, v, t, i, '{}'::jsonb, now()
   FROM unnest($1::text[], $2::text[], $3::numeric[], $4::timestamptz[], $5::text[])
     AS e(r, n, v, t, i)
   ON CONFLICT DO NOTHING`;

/**
 * The API's guarantee in plain SQL: an id is claimed once per organization whatever its timestamp
 * (the claim table, since a unique index on the partitioned events must hold the timestamp), and
 * only claimed events are inserted. No rollups, no content digest, no outcomes.
 */
const INSERT_WITH_ID_CLAIM = `WITH e AS (
     SELECT * FROM unnest($1::text[], $2::text[], $3::numeric[], $4::timestamptz[], $5::text[])
       AS e(r, n, v, t, i)
   ), claimed AS (
     INSERT INTO ktrlplane.usage_event_ids (organization_id, event_id, content_hash, "timestamp")
     SELECT 'org_raw', i, '', t FROM e
     ON CONFLICT DO NOTHING
     RETURNING event_id
   )
   INSERT INTO ktrlplane.usage_events
     (organization_id, project_id, resource_id, event_name, value, "timestamp",
      event_id, properties, received_at)
   SELECT 'org_raw', 'prj_raw', r, n, v, t, i, '{}'::jsonb, now()
   FROM e JOIN claimed ON claimed.event_id = e.i
   ON CONFLICT DO NOTHING`;

interface RawRun {
  timing: { latenciesMs: number[]; windowMs: number };
  cpu: WindowCpu;
  inserted: number;
}

/** The same batches and concurrency as the API's, sent by plain SQL on a fresh database. */
function rawIngest(options: { adminUrl: string; base: number; sql: string }): Promise<RawRun> {
  const { base } = options;
  return withBenchDatabase({
    adminUrl: options.adminUrl,
    work: async (databaseUrl) => {
      const db = openPostgres({ url: databaseUrl });
      await migrate({ db });
      await ensureUsagePartitions({ db, instants: [new Date(base)], now: new Date() });
      await db.close();
      const connections = await Promise.all(
        Array.from({ length: clients }, async () => {
          const client = new pg.Client({ connectionString: databaseUrl });
          await client.connect();
          return client;
        }),
      );
      const resources = Array.from({ length: resourceCount }, (_, i) => `res_raw${i}`);
      let inserted = 0;
      try {
        const { result: timing, cpu } = await measureWindowCpu({
          databaseUrl,
          work: () =>
            sendAll({
              batches: Math.ceil(total / batchSize),
              send: async (b, client) => {
                const events = batchOf({ b, resources, base });
                const result = await (connections[client] as pg.Client).query(options.sql, [
                  events.map((e) => e.resource_id),
                  events.map((e) => e.event_name),
                  events.map((e) => String(e.value)),
                  events.map((e) => e.timestamp),
                  events.map((e) => e.id),
                ]);
                inserted += result.rowCount ?? 0;
              },
            }),
        });
        return { timing, cpu, inserted };
      } finally {
        await Promise.all(connections.map((c) => c.end()));
      }
    },
  });
}

export const usageIngest: BenchSection = {
  name: "usage-ingest",
  run: ({ adminUrl }) => measureUsageIngest({ adminUrl }),
};
