import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildHttpServer } from "../../src/app.js";
import { createResource } from "../../src/billing/create-resource.js";
import { renameBillingAccount } from "../../src/billing/rename-billing-account.js";
import { loadConfig } from "../../src/config.js";
import { type AppContext, createContext } from "../../src/context.js";
import { getAccountSync } from "../../src/db/account-sync.js";
import { signUp } from "../../src/identity/sign-up.js";
import { createLogger } from "../../src/observability/logger.js";
import { startConfiguredReconciler } from "../../src/worker/reconciler-loop.js";
import { openTestDatabase, testDatabaseAvailable } from "../support/test-database.js";

// What `npm run worker` does, without a process: the context alone (no HTTP server), and the
// configured reconciler bringing an account of the local provider in step (its marks consumed).
describe.skipIf(!testDatabaseAvailable)("the worker's context", () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let ctx: AppContext;
  let config: ReturnType<typeof loadConfig>;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    db = await openTestDatabase();
    config = loadConfig({
      LOG_LEVEL: "debug",
      KTRLPLANE_SYNC_DEBOUNCE_MS: "0",
      KTRLPLANE_SYNC_POLL_MS: "20",
    });
    const destination = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    ctx = await createContext({
      config,
      db,
      log: createLogger({ level: config.LOG_LEVEL, destination }),
    });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("is built without an HTTP server; under the local provider the reconciler consumes the marks without a pass", async () => {
    expect(ctx.provider.name).toBe("local");
    expect(ctx.catalog.prices.size).toBeGreaterThan(0);

    const { user } = await signUp({
      ctx,
      input: { email: "worker@example.com", password: "correct horse battery", name: "W" },
    });
    const { billing } = await db.transaction((tx) =>
      createResource({
        ctx,
        tx,
        userId: user.id,
        input: { project: { name: "Jobs" }, resource_type: "graph", sku: "standard", name: "db" },
      }),
    );
    const accountId = billing.billing_account_id;
    // Under a provider that keeps no copy, resource writes leave no mark (nothing to converge);
    // other writes still do, and the loop consumes them.
    expect((await getAccountSync({ db, billingAccountId: accountId }))?.pending).toBe(0);
    await db.transaction((tx) =>
      renameBillingAccount({ ctx, tx, userId: user.id, billingAccountId: accountId, name: "Ops" }),
    );
    expect((await getAccountSync({ db, billingAccountId: accountId }))?.pending).toBeGreaterThan(0);

    const reconciler = startConfiguredReconciler({ ctx, config });
    try {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const sync = await getAccountSync({ db, billingAccountId: accountId });
        if (sync?.pending === 0) break;
        if (Date.now() > deadline) throw new Error(`not converged: ${JSON.stringify(sync)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      await reconciler.stop();
    }

    const forAccount = lines.filter((line) => line.billing_account_id === accountId);
    // The local provider keeps no copy of the ledger: nothing to converge, no pass to run.
    expect(forAccount.map((line) => line.msg)).toEqual(
      expect.arrayContaining(["change marks consumed (no provider copy)"]),
    );
    expect(forAccount.map((line) => line.msg)).not.toContain("sync pass started");
    expect(forAccount.every((line) => line.level === 20)).toBe(true);
    expect(typeof forAccount.at(-1)?.owner).toBe("string");
    // Consuming marks compared nothing with a provider: the account stays "never synced", so a
    // provider that later takes over this database passes over it first.
    expect(
      (await getAccountSync({ db, billingAccountId: accountId }))?.last_synced_at ?? null,
    ).toBe(null);
  });

  it("is the logger the HTTP server uses, built over the same context", async () => {
    const server = await buildHttpServer({ ctx, config });
    try {
      const response = await server.inject({
        url: "/healthz",
        headers: { authorization: "Bearer kp_secret_session_token" },
      });
      expect(response.statusCode).toBe(200);
    } finally {
      await server.close();
    }
    // One line per request, with what a reader of the logs needs from it.
    const requestLines = lines.filter((line) => line.reqId !== undefined);
    expect(requestLines).toEqual([
      expect.objectContaining({
        msg: "request completed",
        method: "GET",
        url: "/healthz",
        statusCode: 200,
      }),
    ]);
    expect(JSON.stringify(lines)).not.toContain("kp_secret_session_token");
  });
});
