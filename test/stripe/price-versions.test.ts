import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type Reconciler, startReconciler } from "../../src/worker/reconciler-loop.js";
import { type StripeEmulator, startStripeEmulator } from "../support/stripe-emulator/index.js";
import {
  completeSetup,
  restartOnCatalog,
  stripeQuantities,
  waitForSync,
} from "../support/stripe-mode.js";
import type { ApiClient, TestApp } from "../support/test-app.js";
import { testDatabaseAvailable } from "../support/test-database.js";

const dir = mkdtempSync(join(tmpdir(), "ktrlplane-stripe-versions-"));
function catalog(name: string, unit_amount: number): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(
    path,
    JSON.stringify({
      currency: "usd",
      resource_types: [
        {
          type: "graph",
          name: "Graph database",
          skus: [{ sku: "standard", billing_model: "per_unit", unit_amount }],
        },
      ],
    }),
  );
  return path;
}

/**
 * Stripe prices are immutable (https://docs.stripe.com/products-prices/manage-prices): each price
 * version is its own Stripe price, and at the version's instant the reconciler moves the items.
 */
describe.skipIf(!testDatabaseAvailable)("price versions in Stripe", () => {
  let emulator: StripeEmulator | undefined;
  let app: TestApp | undefined;
  let reconciler: Reconciler | undefined;
  afterAll(async () => {
    await reconciler?.stop();
    await app?.close();
    await emulator?.close();
  });

  /** The app in Stripe mode on the emulator, restarted on the same database when there is one. */
  async function start(at: string, catalogPath: string): Promise<TestApp> {
    emulator ??= await startStripeEmulator({ seed: 31 });
    await reconciler?.stop();
    app = await restartOnCatalog({ emulator, at, catalogPath, ...(app ? { previous: app } : {}) });
    reconciler = startReconciler({
      ctx: app.ctx,
      debounceMs: 50,
      maxWaitMs: 2000,
      pollMs: 20,
      fullSyncIntervalMs: 3_600_000,
      concurrency: 2,
    });
    return app;
  }

  function setClocks(iso: string) {
    app?.clock.set(iso);
    emulator?.clock.set(Date.parse(iso) / 1000);
  }

  /** Stripe's quantities for the account as [unit amount, ktrlplane price version, quantity]. */
  function held(accountId: string): [number | null, string | undefined, number][] {
    return [...stripeQuantities(emulator as StripeEmulator, accountId)]
      .map(([priceId, quantity]): [number | null, string | undefined, number] => {
        const price = emulator?.state.prices.get(priceId);
        return [price?.unit_amount ?? null, price?.metadata?.ktrlplane_price_version, quantity];
      })
      .sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0));
  }

  async function until(check: () => boolean, what: string) {
    const deadline = Date.now() + 30_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it("bills each version on its own Stripe price and moves the items at the version's instant", async () => {
    await start("2026-11-10T00:00:00Z", catalog("old", 9900));
    setClocks("2026-11-10T00:00:00Z");
    const signed = await (app as TestApp).signUp();
    let api: ApiClient = signed.api;
    const project = (await api.post("/v1/projects", { name: "Versions" })).body;
    const accountId: string = project.billing.billing_account_id;
    await completeSetup({ api, emulator: emulator as StripeEmulator, billingAccountId: accountId });
    const create = async () =>
      expect(
        (
          await api.post("/v1/resources", {
            project_id: project.id,
            resource_type: "graph",
            sku: "standard",
            name: "g",
          })
        ).status,
      ).toBe(201);
    await create();
    await waitForSync({ api, billingAccountId: accountId });
    expect(held(accountId)).toEqual([[9900, "1", 1]]);

    // The price changes: a new resource goes on a new Stripe price at once, the old one stays.
    await start("2026-11-15T00:00:00Z", catalog("new", 19900));
    setClocks("2026-11-15T00:00:00Z");
    api = (app as TestApp).client(signed.token);
    await create();
    await waitForSync({ api, billingAccountId: accountId });
    expect(held(accountId)).toEqual([
      [9900, "1", 1],
      [19900, "2", 1],
    ]);

    // The session is used within its 14 idle days, then both clocks pass December 1: the
    // worker's pass moves the first resource, and the reconciler its item.
    setClocks("2026-11-25T00:00:00Z");
    expect((await api.get("/v1/me")).status).toBe(200);
    setClocks("2026-12-01T00:00:01Z");
    await until(() => held(accountId).length === 1, "the items to move");
    await waitForSync({ api, billingAccountId: accountId });
    expect(held(accountId)).toEqual([[19900, "2", 2]]);
    const items = (await api.get(`/v1/billing-accounts/${accountId}`)).body.items;
    expect(items).toMatchObject([{ price_version: 2, quantity: 2, amount: 39800 }]);
  });
});
