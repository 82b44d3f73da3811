/**
 * The e2e files take turns, each from before its own `beforeAll` to after its own `afterAll`:
 * two servers and two Chromiums at once missed their start-up and test timeouts on a loaded
 * 2-core machine (measured). The files still run in the same pool as the rest of the suite, so
 * that the other worker runs other files meanwhile (the sequencer in vitest.config.ts spreads
 * them out, so that they seldom wait for their turn).
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, inject } from "vitest";

const turn = join(inject("e2eTurnDir"), "turn");

/** The worker holding the turn, or 0 while it is still writing its pid or has just given it back. */
function holder(): number {
  try {
    return Number(readFileSync(turn, "utf8"));
  } catch {
    return 0;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  for (;;) {
    try {
      writeFileSync(turn, String(process.pid), { flag: "wx" });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    // A worker that died holding the turn failed the run already: fail at once, not at each
    // waiting file's hook timeout.
    const pid = holder();
    if (pid && !alive(pid)) throw new Error(`the e2e file of worker ${pid} died in its turn`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  }
});

afterAll(() => rmSync(turn, { force: true }));
