import { afterAll, describe, expect, it } from "vitest";
import {
  type StripeTestApp,
  startStripeTestApp,
  stripeQuantitiesByCatalogPrice,
} from "../support/stripe-mode.js";
import { startTestApp, type TestApp } from "../support/test-app.js";
import { testDatabaseAvailable } from "../support/test-database.js";

// Under the local provider resource writes leave no change marks (nothing keeps a copy to bring
// in step). The same database restarted with the Stripe provider must still bring every account
// there: its first full pass finds the accounts no pass has compared, marks or not.
describe.skipIf(!testDatabaseAvailable)(
  "a database moved from the local provider to Stripe",
  () => {
    let local: TestApp | undefined;
    let stripeApp: StripeTestApp | undefined;
    afterAll(async () => {
      await stripeApp?.close();
      await local?.close();
    });

    it("reaches Stripe with the resources created and deleted under the local provider", async () => {
      local = await startTestApp({
        env: { KTRLPLANE_WORKER: "off" },
      });
      const accounts: { id: string; expected: Record<string, number> }[] = [];
      for (const count of [3, 2]) {
        const { api } = await local.signUp();
        const project = (await api.post("/v1/projects", { name: "Shop" })).body;
        const ids: string[] = [];
        for (let i = 0; i <= count; i++) {
          const created = await api.post("/v1/resources", {
            project_id: project.id,
            resource_type: "graph",
            sku: "standard",
            name: `g${i}`,
          });
          expect(created.status).toBe(201);
          ids.push(created.body.id);
        }
        // One more than `count` created, one deleted: Stripe must hold the count, not the history.
        expect((await api.delete(`/v1/resources/${ids[0]}`)).status).toBe(204);
        // No mark is left for the next provider to follow.
        const sync = await api.get(
          `/v1/billing-accounts/${project.billing.billing_account_id}/sync`,
        );
        expect(sync.body).toMatchObject({ pending: 0, last_synced_at: null });
        accounts.push({
          id: project.billing.billing_account_id,
          expected: { "graph/standard": count },
        });
      }
      const db = local.db;
      await local.close({ keepDatabase: true });
      local = undefined;

      stripeApp = await startStripeTestApp({ seed: 24, debounceMs: 50, maxWaitMs: 500, db });
      const { emulator } = stripeApp;
      const deadline = Date.now() + 20_000;
      for (;;) {
        const held = accounts.map((a) => stripeQuantitiesByCatalogPrice(emulator, a.id));
        if (held.every((h, i) => JSON.stringify(h) === JSON.stringify(accounts[i]?.expected)))
          break;
        if (Date.now() > deadline) {
          expect(held).toEqual(accounts.map((a) => a.expected));
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    });
  },
);
