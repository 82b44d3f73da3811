import { backendsCpuMs, backendsCpuSpent, processCpuMs } from "./cpu-usage.js";

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
  const postgresMs = backendsCpuSpent(backendsBefore, await backendsCpuMs(options.databaseUrl));
  return { result, cpu: { serverMs, postgresMs, clientMs } };
}
