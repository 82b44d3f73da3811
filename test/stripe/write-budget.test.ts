import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StripeEmulator } from "../support/stripe-emulator/index.js";
import {
  type StripeTestApp,
  signUpWithActiveAccount,
  startStripeTestApp,
  stripeQuantitiesByCatalogPrice,
  waitForSync,
} from "../support/stripe-mode.js";
import type { TestApp } from "../support/test-app.js";
import { testDatabaseAvailable } from "../support/test-database.js";

// Stripe allows 200 quantity updates per subscription per hour. A budget of 3 writes an hour
// makes the same behaviour visible in a test.
describe.skipIf(!testDatabaseAvailable)("the hourly write budget of an account", () => {
  let emulator: StripeEmulator;
  let app: TestApp;
  let stripeApp: StripeTestApp;

  beforeAll(async () => {
    stripeApp = await startStripeTestApp({
      seed: 5,
      debounceMs: 50,
      maxWaitMs: 1000,
      concurrency: 1,
      writesPerHour: 4,
    });
    ({ emulator, app } = stripeApp);
  });
  afterAll(async () => {
    await stripeApp?.close();
  });

  it("holds further changes back once spent, and says until when", async () => {
    // Making the set-up's card the customer's default is the account's first write.
    const { api, project, accountId } = await signUpWithActiveAccount({
      app,
      emulator,
      projectName: "Busy",
    });

    const create = (sku: string) =>
      api.post("/v1/resources", { project_id: project.id, resource_type: "graph", sku, name: sku });
    await create("standard"); // creates the subscription: write 2
    await waitForSync({ api, billingAccountId: accountId });
    await create("performance"); // adds an item: write 3
    await waitForSync({ api, billingAccountId: accountId });
    await create("standard"); // quantity 1 → 2: write 4, the budget is spent
    const spent = await waitForSync({ api, billingAccountId: accountId });
    expect(spent.writes_this_hour).toBe(4);
    const writes = emulator.writeCount();

    await create("standard");
    await create("performance");
    const deadline = Date.now() + 5000;
    let sync = (await api.get(`/v1/billing-accounts/${accountId}/sync`)).body;
    while (sync.deferred_until === null && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      sync = (await api.get(`/v1/billing-accounts/${accountId}/sync`)).body;
    }
    expect(sync.pending).toBeGreaterThan(0);
    // Give the reconciler its chances to look (debounce 50 ms, poll 20 ms): it must not write.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const waitMinutes = (new Date(sync.deferred_until).getTime() - Date.now()) / 60_000;
    expect(waitMinutes).toBeGreaterThan(55);
    expect(waitMinutes).toBeLessThanOrEqual(60);
    // Nothing was written meanwhile: Stripe still holds the quantities of the fourth write.
    expect(emulator.writeCount()).toBe(writes);
    expect(stripeQuantitiesByCatalogPrice(emulator, accountId)).toEqual({
      "graph/standard": 2,
      "graph/performance": 1,
    });
    // The ledger has them all: they go out together when the window ends.
    const items = (await api.get(`/v1/billing-accounts/${accountId}`)).body.items;
    expect(items.map((i: { sku: string; quantity: number }) => [i.sku, i.quantity])).toEqual([
      ["performance", 2],
      ["standard", 3],
    ]);
  });
});
