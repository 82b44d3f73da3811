import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Vitest's order (project by project), with the e2e files spread evenly through it rather than
 * in one block: they take turns (test/e2e/support/one-at-a-time.ts), so in a block the second
 * worker would wait for each turn; spread out, it runs the rest of the suite meanwhile.
 */
class SpreadE2e extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const e2e = sorted.filter((file) => file.project.name === "e2e");
    const rest = sorted.filter((file) => file.project.name !== "e2e");
    // The k-th e2e file goes just before the other file at position k × spacing.
    const spacing = rest.length / e2e.length;
    const at = (k: number) => Math.ceil(k * spacing);
    const spread = rest.flatMap((file, index) => [...e2e.filter((_, k) => at(k) === index), file]);
    return [...spread, ...e2e.filter((_, k) => at(k) >= rest.length)];
  }
}

/**
 * The files of a project share their worker instead of each starting a fresh one: the app's
 * modules are imported once per worker rather than once per file (the PGlite project took 252 →
 * 139 CPU seconds). These files keep their state in their own database and server; the console's
 * tests (jsdom: one document and storage per worker) and the e2e files stay isolated.
 */
const sharedWorker = { isolate: false };

// One suite, several projects: the integration tests run once per database so that PGlite and
// PostgreSQL are held to the same contract.
export default defineConfig({
  test: {
    // Vitest's default is one worker per core minus one: a single worker on CI's 2 cores, which
    // left a core idle while most files wait on PostgreSQL, Chromium or the reconciler's timers.
    maxWorkers: 2,
    sequence: { sequencer: SpreadE2e },
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          environment: "node",
          ...sharedWorker,
        },
      },
      {
        test: {
          name: "web",
          include: ["web/**/*.test.{ts,tsx}"],
          environment: "jsdom",
        },
      },
      {
        test: {
          name: "stripe",
          include: ["test/stripe/**/*.test.ts"],
          env: { KTRLPLANE_TEST_DB: "pglite" },
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 60_000,
          ...sharedWorker,
        },
      },
      {
        // The Stripe integration again on PostgreSQL, where workers and clients really race.
        test: {
          name: "stripe-postgres",
          include: ["test/stripe/**/*.test.ts"],
          exclude: ["test/stripe/emulator.test.ts"],
          env: { KTRLPLANE_TEST_DB: "postgres" },
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 60_000,
          ...sharedWorker,
        },
      },
      {
        test: {
          name: "pglite",
          include: ["test/integration/**/*.test.ts"],
          env: { KTRLPLANE_TEST_DB: "pglite" },
          testTimeout: 60_000,
          hookTimeout: 60_000,
          ...sharedWorker,
        },
      },
      {
        test: {
          name: "postgres",
          include: ["test/integration/**/*.test.ts"],
          env: { KTRLPLANE_TEST_DB: "postgres" },
          testTimeout: 60_000,
          hookTimeout: 60_000,
          ...sharedWorker,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // The console is built once, before the first file, outside any file's hook timeout.
          globalSetup: ["test/e2e/support/global-setup.ts"],
          // One file at a time, but beside the other projects' files (not after them all).
          setupFiles: ["test/e2e/support/one-at-a-time.ts"],
        },
      },
    ],
  },
});
