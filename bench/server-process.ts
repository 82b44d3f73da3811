import { type ChildProcess, fork } from "node:child_process";
import type { DatabaseCounters } from "./counting-database.js";

export type ServerRequest = { type: "stats"; id: number } | { type: "stop" };
export type ServerMessage =
  | { type: "listening"; port: number }
  | { type: "stats"; id: number; counters: DatabaseCounters; cpuMs: number };

export interface ServerStats {
  counters: DatabaseCounters;
  /** CPU time of the server process since it started, ms. */
  cpuMs: number;
}

export interface ServerProcess {
  baseUrl: string;
  pid: number;
  stats(): Promise<ServerStats>;
  stop(): Promise<void>;
}

/**
 * Starts the real API server (the wiring of src/main.ts, listening on 127.0.0.1:0) in a child
 * process over `databaseUrl`, with the parent's tsx loader. `config` is its environment as
 * src/config.ts reads it (e.g. `{ KTRLPLANE_WORKER: "on" }`); its log lines go nowhere.
 */
export async function startServerProcess(options: {
  databaseUrl: string;
  config: Record<string, string>;
}): Promise<ServerProcess> {
  const profileDir = process.env.BENCH_CPU_PROF;
  const child: ChildProcess = fork(new URL("./server-child.ts", import.meta.url), [], {
    env: {
      ...process.env,
      BENCH_SERVER_DATABASE_URL: options.databaseUrl,
      BENCH_SERVER_CONFIG: JSON.stringify(options.config),
    },
    // BENCH_CPU_PROF=<dir>: the server writes a V8 CPU profile there when it stops (read it with
    // `npx tsx bench/profile-top.ts <file>`).
    ...(profileDir
      ? { execArgv: [...process.execArgv, "--cpu-prof", `--cpu-prof-dir=${profileDir}`] }
      : {}),
    // stdout is the logger's (JSON lines at LOG_LEVEL): written, as in production, then dropped.
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("server did not start within 120 s")), 120_000);
    child.once("exit", (code) => reject(new Error(`server exited with code ${code} at start`)));
    child.on("message", (message: ServerMessage) => {
      if (message.type === "listening") {
        clearTimeout(timer);
        resolve(message.port);
      }
    });
  });

  let nextId = 0;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    pid: child.pid ?? -1,
    stats() {
      const id = ++nextId;
      return new Promise((resolve) => {
        const listener = (message: ServerMessage) => {
          if (message.type === "stats" && message.id === id) {
            child.off("message", listener);
            resolve({ counters: message.counters, cpuMs: message.cpuMs });
          }
        };
        child.on("message", listener);
        child.send({ type: "stats", id } satisfies ServerRequest);
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.send({ type: "stop" } satisfies ServerRequest);
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
