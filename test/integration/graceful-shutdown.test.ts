import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { openPglite } from "../../src/db/pglite.js";
import { testDatabaseAvailable, testDatabaseKind } from "../support/test-database.js";

// The real server as its own process: SIGTERM under a load of creates loses no acknowledged
// create, and the process exits 0.

const adminUrl = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe.skipIf(!testDatabaseAvailable)("graceful shutdown", () => {
  let child: ChildProcess | undefined;
  const cleanups: Array<() => Promise<void>> = [];

  afterAll(async () => {
    child?.kill("SIGKILL");
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  });

  it("SIGTERM under load: every acknowledged create is stored and the exit code is 0", async () => {
    const env: Record<string, string> = {};
    let countIds: (ids: string[]) => Promise<number>;
    if (testDatabaseKind === "postgres") {
      const name = `ktrlplane_shutdown_${randomBytes(5).toString("hex")}`;
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      env.DATABASE_URL = url.toString();
      countIds = async (ids) => {
        const client = new pg.Client({ connectionString: env.DATABASE_URL });
        await client.connect();
        const result = await client.query(
          "SELECT count(*)::int AS n FROM ktrlplane.resources WHERE id = ANY($1)",
          [ids],
        );
        await client.end();
        return result.rows[0].n;
      };
      cleanups.push(async () => {
        const drop = new pg.Client({ connectionString: adminUrl });
        await drop.connect();
        await drop.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await drop.end();
      });
    } else {
      const dir = mkdtempSync(path.join(os.tmpdir(), "ktrlplane-shutdown-"));
      env.KTRLPLANE_DATA_DIR = dir;
      countIds = async (ids) => {
        const db = await openPglite({ dataDir: path.join(dir, "pglite") });
        const rows = await db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM ktrlplane.resources WHERE id = ANY($1)",
          [ids],
        );
        await db.close();
        return rows[0]?.n ?? 0;
      };
      cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    }

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    // `node --import tsx`, not the `tsx` CLI: the CLI relays SIGTERM and SIGKILLs its child when
    // the child does not acknowledge within 30 ms, which a loaded machine easily misses.
    const running = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      env: {
        ...process.env,
        ...env,
        PORT: String(port),
        HOST: "127.0.0.1",
        LOG_LEVEL: "warn",
        KTRLPLANE_WORKER: "on",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = running;
    let output = "";
    running.stdout?.on("data", (chunk) => {
      output += chunk;
    });
    running.stderr?.on("data", (chunk) => {
      output += chunk;
    });
    const exited = new Promise<number | null>((resolve) => running.on("exit", resolve));

    // Up within 2 minutes (a shared, loaded machine runs the migrations slowly).
    for (let i = 0; ; i += 1) {
      const healthy = await fetch(`${base}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (healthy) break;
      if (i > 600) throw new Error(`the server did not start:\n${output}`);
      await sleep(200);
    }

    const signUp = await fetch(`${base}/v1/auth/signup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        email: `shutdown-${Date.now()}@example.com`,
        password: "correct horse battery",
        name: "Sig Term",
      }),
    });
    expect(signUp.status).toBe(201);
    const { token } = await signUp.json();
    const headers = { "content-type": "application/json", authorization: `Bearer ${token}` };
    const project = await fetch(`${base}/v1/projects`, {
      method: "POST",
      headers,
      body: JSON.stringify({ name: "load" }),
    });
    expect(project.status).toBe(201);
    const projectId = (await project.json()).id;

    const acknowledged: string[] = [];
    const statuses: number[] = [];
    let stop = false;
    const lane = async (n: number) => {
      for (let i = 0; !stop; i += 1) {
        try {
          const response = await fetch(`${base}/v1/resources`, {
            method: "POST",
            headers,
            body: JSON.stringify({
              project_id: projectId,
              resource_type: "graph",
              sku: "standard",
              name: `r-${n}-${i}`,
            }),
          });
          statuses.push(response.status);
          if (response.status === 201) acknowledged.push((await response.json()).id);
          else await response.arrayBuffer();
        } catch {
          // Refused or reset once the server stopped accepting: not acknowledged.
          await sleep(20);
        }
      }
    };
    const lanes = Array.from({ length: 6 }, (_, n) => lane(n));
    while (acknowledged.length < 20) await sleep(50);
    running.kill("SIGTERM");
    const code = await exited;
    stop = true;
    await Promise.all(lanes);
    child = undefined;

    expect(code, output).toBe(0);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(acknowledged.length).toBeGreaterThanOrEqual(20);
    expect(await countIds(acknowledged)).toBe(acknowledged.length);
  }, 240_000);
});
