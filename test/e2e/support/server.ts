/**
 * Builds the console when `dist/web` is missing or older than `web/`, then starts the real
 * server (`src/main.ts` under tsx) on a free port with a temporary data directory that holds the
 * migrated template database.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pgliteDataDir } from "../../../src/db/open-database.js";
import { writeMigratedPgliteDataDir } from "../../support/test-database.js";

export const repoRoot = resolve(import.meta.dirname, "../../..");
const webDir = join(repoRoot, "web");
const builtIndex = join(repoRoot, "dist/web/index.html");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (!/\.test\.tsx?$/.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

export function ensureConsoleBuilt(): void {
  // The console also bundles the server's pure domain modules (the currency table).
  const newest = Math.max(newestMtime(webDir), newestMtime(join(repoRoot, "src", "domain")));
  const stale = !existsSync(builtIndex) || statSync(builtIndex).mtimeMs < newest;
  if (!stale) return;
  execFileSync(
    process.execPath,
    [
      join(repoRoot, "node_modules/vite/bin/vite.js"),
      "build",
      "--config",
      "web/vite.config.ts",
      "--logLevel",
      "warn",
    ],
    {
      cwd: repoRoot,
      stdio: "inherit",
      // Vitest sets NODE_ENV=test, which would give React's development build.
      env: { ...process.env, NODE_ENV: "production" },
    },
  );
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export interface RunningServer {
  baseUrl: string;
  dataDir: string;
  log(): string;
  stop(): Promise<void>;
}

export async function startServer(
  options: { env?: Record<string, string> } = {},
): Promise<RunningServer> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "ktrlplane-e2e-"));
  // From empty, the server's start would run initdb and every migration; the server tests in
  // test/integration still start from empty.
  await writeMigratedPgliteDataDir({ dataDir: pgliteDataDir(dataDir) });
  let output = "";
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", join(repoRoot, "src/main.ts")],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        PORT: String(port),
        HOST: "127.0.0.1",
        KTRLPLANE_DATA_DIR: dataDir,
        NODE_ENV: "test",
        ...options.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  );
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  let exited: number | null = null;
  child.on("exit", (code) => {
    exited = code ?? -1;
  });

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exited !== null)
      throw new Error(`the server exited (${exited}) before it was ready:\n${output}`);
    try {
      const res = await fetch(`${baseUrl}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      stopProcess(child);
      throw new Error(`the server was not ready within 90 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    baseUrl,
    dataDir,
    log: () => output,
    async stop() {
      if (exited === null) {
        const done = new Promise((r) => child.once("exit", r));
        stopProcess(child);
        await Promise.race([done, new Promise((r) => setTimeout(r, 5_000))]);
        if (exited === null) stopProcess(child, "SIGKILL");
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function stopProcess(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): void {
  if (!child.pid) return;
  try {
    // The server runs in its own process group (detached); end exactly that group.
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}
