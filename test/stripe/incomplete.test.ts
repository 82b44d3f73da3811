import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StripeEmulator, Subscription } from "../support/stripe-emulator/index.js";
import {
  type StripeTestApp,
  signUpWithActiveAccount,
  startStripeTestApp,
  stripeQuantitiesByCatalogPrice,
  waitForSync,
} from "../support/stripe-mode.js";
import type { ApiClient, TestApp } from "../support/test-app.js";
import { testDatabaseAvailable } from "../support/test-database.js";

/**
 * An `incomplete` subscription (first invoice unpaid) takes no item changes; once Stripe expires
 * it (23 h), the reconciler creates a new one under a new idempotency key
 * (https://docs.stripe.com/billing/subscriptions/overview#payment-status).
 */
describe.skipIf(!testDatabaseAvailable)("Stripe incomplete subscriptions", () => {
  let emulator: StripeEmulator;
  let app: TestApp;
  let stripeApp: StripeTestApp;

  beforeAll(async () => {
    stripeApp = await startStripeTestApp({ seed: 23, debounceMs: 50, maxWaitMs: 2000 });
    ({ emulator, app } = stripeApp);
  });
  afterAll(async () => {
    await stripeApp?.close();
  });

  function subscriptionsOf(accountId: string): Subscription[] {
    emulator.tick();
    return [...emulator.state.subscriptions.values()].filter(
      (s) => s.metadata?.ktrlplane_billing_account_id === accountId,
    );
  }

  async function createGraph(api: ApiClient, projectId: string, name: string) {
    const response = await api.post("/v1/resources", {
      project_id: projectId,
      resource_type: "graph",
      sku: "standard",
      name,
    });
    expect(response.status).toBe(201);
  }

  it("holds item changes while incomplete, and replaces the subscription once it expires", async () => {
    const { api, project, accountId } = await signUpWithActiveAccount({
      app,
      emulator,
      projectName: "Unpaid",
    });
    await createGraph(api, project.id, "g0");
    await waitForSync({ api, billingAccountId: accountId });
    const [first] = subscriptionsOf(accountId);
    if (!first) throw new Error("no subscription");
    // The first payment is still pending, as with a card that needs authentication.
    emulator.dashboard.setSubscriptionStatus(first.id, "incomplete");

    await createGraph(api, project.id, "g1");
    const sync = await waitForSync({ api, billingAccountId: accountId });
    expect(sync.drift.map((d: { kind: string }) => d.kind)).toContain("waiting_for_first_payment");
    const refused = emulator.requests.filter(
      (r) => r.path.startsWith("/v1/subscription_items") && r.status >= 400,
    );
    expect(refused).toEqual([]); // the product did not even try
    expect(stripeQuantitiesByCatalogPrice(emulator, accountId)).toEqual({ "graph/standard": 1 });

    emulator.clock.advance(23 * 3600);
    expect(subscriptionsOf(accountId).map((s) => s.status)).toEqual(["incomplete_expired"]);
    const creates = () =>
      emulator.requests.filter((r) => r.method === "POST" && r.path === "/v1/subscriptions");
    const keyBefore = creates().at(-1)?.idempotencyKey;
    const forced = await api.post(`/v1/billing-accounts/${accountId}/sync`);
    expect(forced.status).toBe(200);
    const subs = subscriptionsOf(accountId);
    expect(subs.map((s) => s.status).sort()).toEqual(["active", "incomplete_expired"]);
    expect(stripeQuantitiesByCatalogPrice(emulator, accountId)).toEqual({ "graph/standard": 2 });
    const keyAfter = creates().at(-1)?.idempotencyKey;
    expect(keyAfter).not.toBe(keyBefore);
    expect(creates().at(-1)?.replayed).toBe(false);
    // Converged: another pass writes nothing.
    const writes = emulator.writeCount();
    await api.post(`/v1/billing-accounts/${accountId}/sync`);
    expect(emulator.writeCount()).toBe(writes);
  });
});
