import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

// 25 prices: more than the 20 items one Stripe subscription may hold.
const skus = Array.from({ length: 25 }, (_, i) => `size-${String(i + 1).padStart(2, "0")}`);

describe.skipIf(!testDatabaseAvailable)(
  "an account with more prices than one subscription holds",
  () => {
    let emulator: StripeEmulator;
    let app: TestApp;
    let stripeApp: StripeTestApp;

    beforeAll(async () => {
      const dir = mkdtempSync(join(tmpdir(), "ktrlplane-catalog-"));
      const catalogPath = join(dir, "catalog.json");
      writeFileSync(
        catalogPath,
        JSON.stringify({
          currency: "usd",
          resource_types: [
            {
              type: "vm",
              name: "Virtual machine",
              skus: skus.map((sku, i) => ({
                sku,
                billing_model: "per_unit",
                unit_amount: 1000 * (i + 1),
                interval: "month",
              })),
            },
          ],
        }),
      );
      stripeApp = await startStripeTestApp({
        seed: 3,
        debounceMs: 100,
        maxWaitMs: 3000,
        concurrency: 1,
        catalogPath,
      });
      ({ emulator, app } = stripeApp);
    });
    afterAll(async () => {
      await stripeApp?.close();
    });

    it("spills into a second subscription and cancels it once it has nothing left to bill", async () => {
      const { api, project, accountId } = await signUpWithActiveAccount({
        app,
        emulator,
        projectName: "Fleet",
      });
      expect((await api.get(`/v1/billing-accounts/${accountId}`)).body.status).toBe("active");

      const ids: Record<string, string> = {};
      for (const sku of skus) {
        const created = await api.post("/v1/resources", {
          project_id: project.id,
          resource_type: "vm",
          sku,
          name: sku,
        });
        expect(created.status).toBe(201);
        ids[sku] = created.body.id;
      }
      await waitForSync({ api, billingAccountId: accountId });
      const live = () =>
        [...emulator.state.subscriptions.values()].filter(
          (s) => s.metadata?.ktrlplane_billing_account_id === accountId && s.status !== "canceled",
        );
      expect(
        live()
          .map((s) => s.items.data.length)
          .sort((a, b) => a - b),
      ).toEqual([5, 20]);
      expect(Object.values(stripeQuantitiesByCatalogPrice(emulator, accountId))).toEqual(
        Array(25).fill(1),
      );

      // The five prices of the second subscription go away: it is cancelled, the first untouched.
      const second = live().find((s) => s.items.data.length === 5);
      const secondPrices = new Set(
        second?.items.data.map(
          (i) => emulator.state.prices.get(i.price.id)?.metadata?.ktrlplane_price,
        ),
      );
      for (const sku of skus) {
        if (secondPrices.has(`vm/${sku}`))
          expect((await api.delete(`/v1/resources/${ids[sku]}`)).status).toBe(204);
      }
      await waitForSync({ api, billingAccountId: accountId });
      expect(live().map((s) => s.items.data.length)).toEqual([20]);
      expect(emulator.state.subscriptions.get(second?.id ?? "")?.status).toBe("canceled");
    });
  },
);
