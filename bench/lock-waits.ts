import pg from "pg";
import { observerApplicationName } from "./cpu-usage.js";

/** What the database's sessions were doing, on average over a window's samples. */
export interface LockWaits {
  samples: number;
  /** Sessions running a statement. */
  active: number;
  /** Of those, sessions waiting on a lock, by PostgreSQL's wait event (transactionid, tuple, advisory…). */
  waiting: Record<string, number>;
}

/**
 * Samples the bench database's sessions every `everyMs` between `start` and `stop`: how many run a
 * statement and how many of them wait on a lock. Unlike rates and latencies, lock queueing does
 * not depend on how busy the machine is, so it tells a hot row from a loaded machine.
 */
export function lockWaitSampler(options: { databaseUrl: string; everyMs?: number }): {
  start: () => Promise<void>;
  stop: () => Promise<LockWaits>;
} {
  const client = new pg.Client({
    connectionString: options.databaseUrl,
    application_name: observerApplicationName,
  });
  const totals: LockWaits = { samples: 0, active: 0, waiting: {} };
  let running: Promise<void> | undefined;
  let stopping = false;
  let stopped: Promise<LockWaits> | undefined;
  const sampleOnce = async () => {
    const sessions = await client.query<{ state: string | null; wait: string | null }>(
      `SELECT state, CASE WHEN wait_event_type = 'Lock' THEN wait_event END AS wait
       FROM pg_stat_activity
       WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()`,
    );
    totals.samples += 1;
    for (const { state, wait } of sessions.rows) {
      if (state === "active") totals.active += 1;
      if (wait) totals.waiting[wait] = (totals.waiting[wait] ?? 0) + 1;
    }
  };
  return {
    async start() {
      await client.connect();
      running = (async () => {
        while (!stopping) {
          await sampleOnce();
          await new Promise((resolve) => setTimeout(resolve, options.everyMs ?? 25));
        }
      })();
    },
    // Once: the window's end and a failed run's clean-up may both ask.
    stop() {
      stopped ??= (async () => {
        stopping = true;
        if (running) {
          await running;
          await client.end();
        }
        const n = Math.max(1, totals.samples);
        return {
          samples: totals.samples,
          active: totals.active / n,
          waiting: Object.fromEntries(
            Object.entries(totals.waiting).map(([event, count]) => [event, count / n]),
          ),
        };
      })();
      return stopped;
    },
  };
}
