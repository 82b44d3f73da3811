import { defineConfig } from "vitest/config";

// One suite, several projects: the integration tests run once per database so that PGlite and
// PostgreSQL are held to the same contract.
export default defineConfig({
  test: {
    // Vitest's default is one worker per core minus one: a single worker on CI's 2 cores, which
    // left a core idle while most files wait on PostgreSQL, Chromium or the reconciler's timers.
    maxWorkers: 2,
    projects: [
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"], environment: "node" } },
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
        },
      },
      {
        test: {
          name: "pglite",
          include: ["test/integration/**/*.test.ts"],
          env: { KTRLPLANE_TEST_DB: "pglite" },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: "postgres",
          include: ["test/integration/**/*.test.ts"],
          env: { KTRLPLANE_TEST_DB: "postgres" },
          testTimeout: 60_000,
          hookTimeout: 60_000,
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
          // One file at a time: two servers and two Chromiums at once missed their start-up and
          // test timeouts on a loaded 2-core machine (measured).
          fileParallelism: false,
        },
      },
    ],
  },
});
