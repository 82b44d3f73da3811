import type { Database } from "./database.js";

// Months known to have a partition, per database (tests open many in one process).
const known = new WeakMap<Database, Set<string>>();

function monthStart(at: Date, plus = 0): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + plus, 1));
}

/**
 * Creates the monthly partitions of `usage_events` that events dated at `instants` need, and the
 * next month's ahead of time, each in a short transaction of its own before the ingest: DDL takes
 * a strong lock on the parent table, which must not be held across an ingest. Idempotent, and
 * serialized across processes by an advisory lock (two concurrent CREATE … IF NOT EXISTS may
 * otherwise collide on the catalog).
 */
export async function ensureUsagePartitions(options: {
  db: Database;
  instants: Date[];
  now: Date;
}): Promise<void> {
  const { db } = options;
  let done = known.get(db);
  if (!done) {
    done = new Set();
    known.set(db, done);
  }
  // Months as year × 12 + month first: a batch's 10,000 instants cost no Date or string each.
  const monthNumbers = new Set<number>();
  for (const at of [...options.instants, options.now, monthStart(options.now, 1)]) {
    monthNumbers.add(at.getUTCFullYear() * 12 + at.getUTCMonth());
  }
  for (const number of monthNumbers) {
    const start = new Date(Date.UTC(Math.floor(number / 12), number % 12, 1));
    const key = start.toISOString();
    if (done.has(key)) continue;
    const end = monthStart(start, 1);
    const name = `usage_events_${start.toISOString().slice(0, 7).replace("-", "_")}`;
    // Names and bounds come from dates, never from input: safe to place in the statement.
    await db.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock(7242010)");
      await tx.query(
        `CREATE TABLE IF NOT EXISTS ktrlplane.${name} PARTITION OF ktrlplane.usage_events
         FOR VALUES FROM ('${start.toISOString()}') TO ('${end.toISOString()}')`,
      );
    });
    done.add(key);
  }
}
