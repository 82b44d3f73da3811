import { type ChildProcess, spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const repoRoot = path.resolve(import.meta.dirname, "../..");

/** A port nobody listens on right now (the child binds it a moment later). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface NodeProcess {
  readonly pid: number;
  /** Everything it wrote on stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  /** Waits until `predicate` holds on its output; throws with the output if it exits first. */
  waitForOutput(predicate: (output: string) => boolean, timeoutMs: number): Promise<void>;
  kill(signal: NodeJS.Signals): void;
}

/**
 * One of our entry points as its own process: `node --import tsx <script>`, as `npm start` runs
 * it (the `tsx` CLI would SIGKILL a child slow to acknowledge a relayed signal).
 */
export function spawnNode(options: { script: string; env: Record<string, string> }): NodeProcess {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", options.script], {
    cwd: repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  let code: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (exitCode) => {
      code = exitCode;
      resolve(exitCode);
    }),
  );
  return {
    pid: child.pid ?? -1,
    output: () => output,
    exited,
    async waitForOutput(predicate, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(output)) {
        if (code !== undefined)
          throw new Error(`${options.script} exited (${code}) before it was ready:\n${output}`);
        if (Date.now() > deadline)
          throw new Error(`${options.script} was not ready within ${timeoutMs} ms:\n${output}`);
        await sleep(100);
      }
    },
    kill(signal) {
      if (code === undefined) child.kill(signal);
    },
  };
}

/** Waits until the server at `url` answers `/healthz`. */
export async function waitUntilHealthy(options: {
  url: string;
  process: NodeProcess;
  timeoutMs: number;
}): Promise<void> {
  let healthy = false;
  const probing = (async () => {
    while (!healthy) {
      healthy = await fetch(`${options.url}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (!healthy) await sleep(200);
    }
  })();
  try {
    await options.process.waitForOutput(() => healthy, options.timeoutMs);
  } finally {
    healthy = true;
    await probing;
  }
}
