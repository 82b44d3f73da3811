import { readFileSync } from "node:fs";
import pg from "pg";
import { processCpuMs } from "./cpu-usage.js";

/** CPU time of each PostgreSQL backend connected to the database, ms, by pid. */
async function backendsCpuMs(databaseUrl: string): Promise<Map<number, number>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const found = await client.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
    );
    const cpu = new Map<number, number>();
    for (const { pid } of found.rows) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        // Fields after the command: utime and stime are the 14th and 15th, counted from 1.
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        cpu.set(pid, ((Number(fields[11]) + Number(fields[12])) / 100) * 1000);
      } catch {
        // The backend ended between the listing and the read.
      }
    }
    return cpu;
  } finally {
    await client.end();
  }
}

/** CPU a measured window cost each side, ms: what stays comparable on a busy machine. */
export interface WindowCpu {
  /** The API server process (0 for raw SQL). */
  serverMs: number;
  /** The database's own backends: the pool's connections, or the raw clients'. */
  postgresMs: number;
  /** This process: the load generator. */
  clientMs: number;
}

/**
 * Measures the CPU `work` costs the server (`serverCpuMs`, when there is one), the database's
 * backends and this process. Backends must stay connected across the window (pools and raw
 * clients do): one that exits takes its time with it.
 */
export async function measureWindowCpu<T>(options: {
  databaseUrl: string;
  serverCpuMs?: () => Promise<number>;
  work: () => Promise<T>;
}): Promise<{ result: T; cpu: WindowCpu }> {
  const server = options.serverCpuMs ?? (async () => 0);
  const [backendsBefore, serverBefore, clientBefore] = [
    await backendsCpuMs(options.databaseUrl),
    await server(),
    processCpuMs(),
  ];
  const result = await options.work();
  const clientMs = processCpuMs() - clientBefore;
  const serverMs = (await server()) - serverBefore;
  let postgresMs = 0;
  for (const [pid, ms] of await backendsCpuMs(options.databaseUrl)) {
    postgresMs += ms - (backendsBefore.get(pid) ?? 0);
  }
  return { result, cpu: { serverMs, postgresMs, clientMs } };
}
