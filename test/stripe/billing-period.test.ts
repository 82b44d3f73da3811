import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StripeEmulator } from "../support/stripe-emulator/index.js";
import {
  type StripeTestApp,
  signUpWithActiveAccount,
  startStripeTestApp,
  waitForSync,
} from "../support/stripe-mode.js";
import type { TestApp } from "../support/test-app.js";
import { testDatabaseAvailable } from "../support/test-database.js";

/**
 * One period on both sides: subscriptions are anchored to the 1st of the next month UTC
 * (https://docs.stripe.com/billing/subscriptions/billing-cycle), so what Stripe charges for a
 * resource equals what the ledger says for the same seconds, ±1 minor unit per invoice line.
 */
describe.skipIf(!testDatabaseAvailable)("Stripe and the ledger bill the same period", () => {
  let emulator: StripeEmulator;
  let app: TestApp;
  let stripeApp: StripeTestApp;

  beforeAll(async () => {
    stripeApp = await startStripeTestApp({ seed: 15, debounceMs: 50, maxWaitMs: 2000 });
    ({ emulator, app } = stripeApp);
  });
  afterAll(async () => {
    await stripeApp?.close();
  });

  it("a resource living 15 days in November costs on Stripe what the ledger says", async () => {
    // Both clocks on the app's instant (2026-11-10T00:00Z), moved together below.
    app.clock.set("2026-11-10T00:00:00Z");
    emulator.clock.set(Date.parse("2026-11-10T00:00:00Z") / 1000);
    const { api, project, accountId } = await signUpWithActiveAccount({
      app,
      emulator,
      projectName: "Half month",
    });
    const graph = await api.post("/v1/resources", {
      project_id: project.id,
      resource_type: "graph",
      sku: "standard",
      name: "g",
    });
    expect(graph.status).toBe(201);
    await waitForSync({ api, billingAccountId: accountId });
    const [sub] = [...emulator.state.subscriptions.values()].filter(
      (s) => s.metadata?.ktrlplane_billing_account_id === accountId,
    );
    if (!sub) throw new Error("no subscription");
    const december = Date.parse("2026-12-01T00:00:00Z") / 1000;
    expect(sub.billing_cycle_anchor).toBe(december);
    expect(sub.items.data[0]?.current_period_end).toBe(december);

    // The user comes back within the 14 idle days a session lives, as anyone using it would.
    app.clock.advance({ days: 7 });
    expect((await api.get("/v1/me")).status).toBe(200);
    app.clock.advance({ days: 8 });
    emulator.clock.advance(15 * 86_400);
    expect((await api.delete(`/v1/resources/${graph.body.id}`)).status).toBeLessThan(300);
    await waitForSync({ api, billingAccountId: accountId });
    expect(emulator.state.subscriptions.get(sub.id)?.status).toBe("canceled");

    const invoices = [...emulator.state.invoices.values()].filter(
      (i) => i.parent?.subscription_details?.subscription === sub.id,
    );
    const lines = invoices.flatMap((i) => i.lines.data);
    const charged = invoices.reduce((sum, i) => sum + i.total, 0);
    const ledger = (
      await api.get(
        `/v1/organizations/${project.organization_id}/costs?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z`,
      )
    ).body;
    expect(ledger.total).toBe(4950); // 9,900 × 15 / 30 days
    expect(Math.abs(charged - ledger.total)).toBeLessThanOrEqual(lines.length);
  });
});
