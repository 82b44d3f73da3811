/** What shutting down needs to know about the process: each part is optional. */
export interface ShutdownParts {
  /** The HTTP server: `close()` stops accepting and resolves once in-flight requests answered. */
  server?: { close(): Promise<unknown> };
  /** The reconciler: `stop()` finishes its round, so no lease outlives the process. */
  reconciler?: { stop(): Promise<void> };
  /** The database, closed last. */
  db?: { close(): Promise<void> };
  log?: {
    info(fields: Record<string, unknown>, message: string): void;
    error(fields: Record<string, unknown>, message: string): void;
  };
}

/**
 * Stops the process in order: stop accepting requests and finish those in flight while the
 * reconciler ends its round, then close the database. Resolves with the exit code: 0 when all
 * went well, 1 when a step failed or the whole took longer than `timeoutMs`.
 */
export async function shutDown(parts: ShutdownParts, timeoutMs = 25_000): Promise<number> {
  const steps = (async () => {
    const results = await Promise.allSettled([parts.server?.close(), parts.reconciler?.stop()]);
    const failed = results.filter((r) => r.status === "rejected");
    for (const failure of failed) {
      parts.log?.error({ err: (failure as PromiseRejectedResult).reason }, "shutdown step failed");
    }
    await parts.db?.close();
    return failed.length === 0 ? 0 : 1;
  })();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<number>((resolve) => {
    timer = setTimeout(() => {
      parts.log?.error({ timeoutMs }, "shutdown took too long; exiting anyway");
      resolve(1);
    }, timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([
      steps.catch((error) => {
        parts.log?.error({ err: error }, "shutdown failed");
        return 1;
      }),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * On SIGTERM or SIGINT: shut down once (a second signal exits at once, with 1) and exit with the
 * code `shutDown` gives.
 */
export function exitGracefullyOnSignals(parts: ShutdownParts, timeoutMs?: number): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    parts.log?.info({ signal }, "shutting down");
    void shutDown(parts, timeoutMs).then((code) => {
      parts.log?.info({ code }, "stopped");
      process.exit(code);
    });
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}
