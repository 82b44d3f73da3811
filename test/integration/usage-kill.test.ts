import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  freePort,
  type NodeProcess,
  spawnNode,
  waitUntilHealthy,
} from "../support/node-process.js";
import { type ApiClient, createApiClient, lazyContract } from "../support/test-app.js";
import {
  createPostgresDatabase,
  testDatabaseAvailable,
  testDatabaseKind,
} from "../support/test-database.js";
import { writeUsageCatalog } from "../support/usage-catalog.js";

/**
 * Exactly once across a crash: the real server (`src/main.ts`) is SIGKILLed while clients are
 * sending batches of usage, and restarted on the same port; each client resends a batch until it
 * gets an answer, with the same event ids. Afterwards every event counts once — what a batch
 * committed before the kill comes back "duplicate", what it did not is accepted on the resend.
 * On PostgreSQL and on PGlite in a data directory on disk.
 */

const CLIENTS = 3;
const BATCHES = 8;
const BATCH_SIZE = 500;

describe.skipIf(!testDatabaseAvailable)("usage ingestion survives kill -9 of the server", () => {
  let env: Record<string, string>;
  let url: string;
  let server: NodeProcess;
  let cleanup: () => Promise<void>;
  const contract = () => lazyContract(url)();

  async function startServer(): Promise<void> {
    server = spawnNode({ script: "src/main.ts", env });
    await waitUntilHealthy({ url, process: server, timeoutMs: 120_000 });
  }

  beforeAll(async () => {
    url = `http://127.0.0.1:${await freePort()}`;
    env = {
      PORT: new URL(url).port,
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      KTRLPLANE_WORKER: "off",
      KTRLPLANE_CATALOG: await writeUsageCatalog(),
    };
    if (testDatabaseKind === "postgres") {
      const database = await createPostgresDatabase({ prefix: "ktrlplane_kill" });
      env.DATABASE_URL = database.url;
      cleanup = database.drop;
    } else {
      const dir = await mkdtemp(join(tmpdir(), "ktrlplane-kill-"));
      env.KTRLPLANE_DATA_DIR = dir;
      cleanup = () => rm(dir, { recursive: true, force: true });
    }
    await startServer();
    await contract();
  }, 180_000);

  afterAll(async () => {
    server?.kill("SIGTERM");
    await server?.exited;
    await cleanup?.();
  }, 60_000);

  it("counts every event exactly once", async () => {
    const signedUp = await createApiClient({ url, contract }).post("/v1/auth/signup", {
      email: `kill-${Date.now()}@example.com`,
      password: "correct horse battery",
      name: "Kim",
    });
    expect(signedUp.status).toBe(201);
    const api: ApiClient = createApiClient({ url, token: signedUp.body.token, contract });
    const project = (await api.post("/v1/projects", { name: "Crash" })).body;
    const resources: string[] = [];
    for (const name of ["a", "b"]) {
      const created = await api.post("/v1/resources", {
        project_id: project.id,
        resource_type: "flow",
        sku: "runs",
        name,
      });
      expect(created.status).toBe(201);
      resources.push(created.body.id);
    }

    // What the clients send: flow_runs (sum) and api_calls (count) on two resources.
    const now = Date.now();
    const batches = Array.from({ length: CLIENTS }, (_, c) =>
      Array.from({ length: BATCHES }, (_, b) =>
        Array.from({ length: BATCH_SIZE }, (_, i) => ({
          id: `c${c}-b${b}-e${i}`,
          resource_id: resources[i % 2] as string,
          event_name: i % 3 === 0 ? "api_calls" : "flow_runs",
          value: (i % 7) + 1,
          timestamp: new Date(now - (i % 60) * 1000).toISOString(),
        })),
      ),
    );
    const expected = new Map<string, number>();
    for (const event of batches.flat(2)) {
      const key = `${event.resource_id} ${event.event_name}`;
      const add = event.event_name === "api_calls" ? 1 : event.value;
      expected.set(key, (expected.get(key) ?? 0) + add);
    }

    let acknowledged = 0;
    let interrupted = 0;
    let duplicates = 0;
    const accepted = new Map<string, number>();
    const client = async (mine: (typeof batches)[number]) => {
      for (const events of mine) {
        for (;;) {
          const response = await api.post("/v1/usage", { events }).catch(() => undefined);
          if (response?.status === 200) {
            for (const outcome of response.body.events) {
              expect(["accepted", "duplicate"]).toContain(outcome.status);
              if (outcome.status === "accepted") {
                accepted.set(outcome.id, (accepted.get(outcome.id) ?? 0) + 1);
              } else duplicates += 1;
            }
            acknowledged += 1;
            break;
          }
          // The server is gone, or not back yet: the same batch again.
          interrupted += 1;
          await sleep(200);
        }
      }
    };
    const killer = async () => {
      while (acknowledged < CLIENTS * 2) await sleep(5);
      server.kill("SIGKILL");
      await server.exited;
      await startServer();
    };
    await Promise.all([...batches.map(client), killer()]);

    // The kill cut requests in flight, and some had committed: their resend was a duplicate.
    expect(interrupted).toBeGreaterThan(0);
    expect(acknowledged).toBe(CLIENTS * BATCHES);
    expect([...accepted.values()].every((n) => n === 1)).toBe(true);

    const day = 86_400_000;
    const from = new Date(Math.floor(now / day) * day - day).toISOString();
    const to = new Date(Math.floor(now / day) * day + 2 * day).toISOString();
    for (const [key, value] of expected) {
      const [resourceId, eventName] = key.split(" ");
      const usage = await api.get(
        `/v1/resources/${resourceId}/usage?event_name=${eventName}&from=${from}&to=${to}`,
      );
      expect(usage.status).toBe(200);
      expect([key, usage.body.total]).toEqual([key, String(value)]);
    }
    console.info(
      `kill -9 on ${testDatabaseKind}: ${interrupted} interrupted requests, ${duplicates} events answered duplicate on a resend`,
    );
  }, 180_000);
});
