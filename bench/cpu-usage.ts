import { readdirSync, readFileSync } from "node:fs";

/** Linux clock ticks per second (USER_HZ); 100 on every mainstream kernel build. */
const ticksPerSecond = 100;

export interface CpuSnapshot {
  /** Busy CPU time of the whole machine (all cores), ms. */
  machineMs: number;
  /** CPU time of every `postgres` process (backends, WAL writer, checkpointer, ...), ms. */
  postgresMs: number;
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

function postgresProcessesMs(): number {
  let ticks = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const open = stat.indexOf("(");
      const close = stat.lastIndexOf(")");
      if (stat.slice(open + 1, close) !== "postgres") continue;
      // Fields after the command: state(3) ... utime(14) stime(15), counted from 1.
      const fields = stat.slice(close + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return (ticks / ticksPerSecond) * 1000;
}

export function processCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/**
 * Reads the CPU counters. Postgres backends that exit between two snapshots take their CPU time
 * with them, so keep connections open across a measured window.
 */
export function cpuSnapshot(): CpuSnapshot {
  return { machineMs: machineBusyMs(), postgresMs: postgresProcessesMs(), selfMs: processCpuMs() };
}

/** The machine's busy share of all cores over `ms`, before the bench adds its own load. */
export async function backgroundLoad(options: { ms: number; cores: number }): Promise<number> {
  const before = machineBusyMs();
  await new Promise((resolve) => setTimeout(resolve, options.ms));
  return (machineBusyMs() - before) / (options.ms * options.cores);
}
