import { readFileSync } from "node:fs";
import pg from "pg";

/** Linux clock ticks per second (USER_HZ); 100 on every mainstream kernel build. */
const ticksPerSecond = 100;

export interface CpuSnapshot {
  /** Busy CPU time of the whole machine (all cores), ms. */
  machineMs: number;
  /** CPU time of this process, ms. */
  selfMs: number;
}

function machineBusyMs(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  // cpu user nice system idle iowait irq softirq steal ...
  const [, user, nice, system, , , irq, softirq] = line.trim().split(/\s+/).map(Number);
  const busy = [user, nice, system, irq, softirq].reduce<number>((sum, v) => sum + (v ?? 0), 0);
  return (busy / ticksPerSecond) * 1000;
}

export function processCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** Reads the machine's and this process's CPU counters. */
export function cpuSnapshot(): CpuSnapshot {
  return { machineMs: machineBusyMs(), selfMs: processCpuMs() };
}

/** The `application_name` of the bench's own observers, whose backends are not the work's. */
export const observerApplicationName = "ktrlplane bench observer";

/**
 * CPU time of each PostgreSQL backend connected to the database, ms, by pid: the work's own, not
 * other databases' (other engineers' tests on a shared machine) nor the bench's observers'.
 * Backends that exit between two readings take their time with them: keep connections open
 * across a measured window.
 */
export async function backendsCpuMs(databaseUrl: string): Promise<Map<number, number>> {
  const client = new pg.Client({
    connectionString: databaseUrl,
    application_name: observerApplicationName,
  });
  await client.connect();
  try {
    const found = await client.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name <> $1",
      [observerApplicationName],
    );
    const cpu = new Map<number, number>();
    for (const { pid } of found.rows) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        // Fields after the command: utime and stime are the 14th and 15th, counted from 1.
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        cpu.set(pid, ((Number(fields[11]) + Number(fields[12])) / ticksPerSecond) * 1000);
      } catch {
        // The backend ended between the listing and the read.
      }
    }
    return cpu;
  } finally {
    await client.end();
  }
}

/** CPU the backends spent between two readings of `backendsCpuMs`, ms (new ones from zero). */
export function backendsCpuSpent(before: Map<number, number>, after: Map<number, number>): number {
  let ms = 0;
  for (const [pid, at] of after) ms += at - (before.get(pid) ?? 0);
  return ms;
}

/** The machine's busy share of all cores over `ms`, before the bench adds its own load. */
export async function backgroundLoad(options: { ms: number; cores: number }): Promise<number> {
  const before = machineBusyMs();
  await new Promise((resolve) => setTimeout(resolve, options.ms));
  return (machineBusyMs() - before) / (options.ms * options.cores);
}
