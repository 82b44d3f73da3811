import { afterEach, describe, expect, it } from "vitest";
import { type NodeProcess, spawnNode } from "../../support/node-process.js";

// The process's logger batches its stdout lines (src/observability/logger.ts): these are the
// promises that batching must keep to whoever reads the logs.

const running: NodeProcess[] = [];

function start(scenario: string): NodeProcess {
  const child = spawnNode({
    script: "test/support/stdout-logger-child.ts",
    env: { LOG_SCENARIO: scenario },
  });
  running.push(child);
  return child;
}

const lines = (output: string) =>
  output
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

afterEach(() => {
  for (const child of running.splice(0)) child.kill("SIGKILL");
});

describe("the logger on stdout", () => {
  it("writes every line logged before the process exits", async () => {
    const child = start("exit");
    expect(await child.exited).toBe(0);
    expect(lines(child.output()).map((line) => line.line)).toEqual([1, 2, 3]);
  }, 60_000);

  it("writes an error line at once, with the lines before it, even when the process then hangs", async () => {
    const child = start("error-while-busy");
    await child.waitForOutput((output) => output.includes("something failed"), 30_000);
    expect(lines(child.output()).map((line) => line.msg)).toEqual([
      "an ordinary line",
      "something failed",
    ]);
  }, 60_000);

  it("writes an ordinary line soon, while the process keeps running", async () => {
    const child = start("idle");
    await child.waitForOutput((output) => output.includes('"msg":"ready"'), 30_000);
  }, 60_000);
});
