import { performance } from "node:perf_hooks";

/** Times one operation; operations that complete inside the measured window are kept. */
export type Measure = <T>(kind: string, operation: () => Promise<T>) => Promise<T>;

export interface ClosedLoopResult {
  /** Latencies in ms per operation kind, measured window only. */
  latenciesMs: Map<string, number[]>;
  windowMs: number;
}

/**
 * `clients` workers each run `iteration` back to back (a closed loop: a new request leaves only
 * when the previous answered) for `warmupMs + durationMs`. `onWindowStart` / `onWindowEnd` fire at
 * the edges of the measured window, e.g. to sample CPU counters.
 */
export async function runClosedLoop(options: {
  clients: number;
  warmupMs: number;
  durationMs: number;
  iteration: (options: { client: number; measure: Measure }) => Promise<void>;
  onWindowStart?: () => Promise<void>;
  onWindowEnd?: () => Promise<void>;
}): Promise<ClosedLoopResult> {
  const start = performance.now();
  const windowStart = start + options.warmupMs;
  const windowEnd = windowStart + options.durationMs;
  const latenciesMs = new Map<string, number[]>();

  const measure: Measure = async (kind, operation) => {
    const began = performance.now();
    const result = await operation();
    const ended = performance.now();
    if (ended >= windowStart && ended <= windowEnd) {
      let list = latenciesMs.get(kind);
      if (!list) {
        list = [];
        latenciesMs.set(kind, list);
      }
      list.push(ended - began);
    }
    return result;
  };

  const edges: Promise<void>[] = [];
  const startTimer = setTimeout(() => {
    if (options.onWindowStart) edges.push(options.onWindowStart());
  }, options.warmupMs);
  const endTimer = setTimeout(() => {
    if (options.onWindowEnd) edges.push(options.onWindowEnd());
  }, options.warmupMs + options.durationMs);

  try {
    await Promise.all(
      Array.from({ length: options.clients }, async (_, client) => {
        while (performance.now() < windowEnd) await options.iteration({ client, measure });
      }),
    );
  } finally {
    clearTimeout(startTimer);
    clearTimeout(endTimer);
  }
  await Promise.all(edges);
  return { latenciesMs, windowMs: options.durationMs };
}
