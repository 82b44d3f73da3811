import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StripeEmulator, signedEvent } from "../support/stripe-emulator/index.js";
import {
  type StripeTestApp,
  startStripeTestApp,
  stripeQuantitiesByCatalogPrice,
  waitForSync,
  webhookSecret,
} from "../support/stripe-mode.js";
import type { ApiClient, TestApp } from "../support/test-app.js";
import { testDatabaseAvailable } from "../support/test-database.js";

describe.skipIf(!testDatabaseAvailable)("billing accounts mirrored into Stripe", () => {
  let emulator: StripeEmulator;
  let app: TestApp;
  let stripeApp: StripeTestApp;

  beforeAll(async () => {
    stripeApp = await startStripeTestApp({ seed: 7, debounceMs: 150, maxWaitMs: 3000 });
    ({ emulator, app } = stripeApp);
  });
  afterAll(async () => {
    await stripeApp?.close();
  });

  async function deliver(event: unknown) {
    const { payload, header } = signedEvent({ secret: webhookSecret, event });
    return app
      .client()
      .send("POST", "/v1/stripe/webhooks", payload, { "stripe-signature": header });
  }

  /** A user whose organization's account completed Stripe set-up. */
  async function activeCustomer(): Promise<{ api: ApiClient; project: any; accountId: string }> {
    const { api } = await app.signUp();
    const project = (await api.post("/v1/projects", { name: "Shop" })).body;
    const accountId = project.billing.billing_account_id;
    const setup = await api.post(`/v1/billing-accounts/${accountId}/setup`);
    emulator.completeCheckoutSession(setup.body.session_id);
    const completed = emulator
      .events("checkout.session.completed")
      .find((e) => (e.data.object as { id: string }).id === setup.body.session_id);
    expect((await deliver(completed)).status).toBe(200);
    await waitForSync({ api, billingAccountId: accountId });
    return { api, project, accountId };
  }

  it("starts accounts in set-up; paid resources wait for a payment method, free ones do not", async () => {
    const { api } = await app.signUp();
    const project = (await api.post("/v1/projects", { name: "New" })).body;
    const accountId = project.billing.billing_account_id;
    expect(project.billing.billing_account.status).toBe("setup_required");
    const paid = await api.post("/v1/resources", {
      project_id: project.id,
      resource_type: "graph",
      sku: "standard",
      name: "g",
    });
    expect(paid.status).toBe(402);
    expect(paid.body).toMatchObject({
      code: "billing_setup_required",
      billing_account_id: accountId,
    });
    const free = await api.post("/v1/resources", {
      project_id: project.id,
      resource_type: "graph",
      sku: "free",
      name: "g",
    });
    expect(free.status).toBe(201);

    // Opening set-up twice makes one customer; completing it activates the account.
    const first = await api.post(`/v1/billing-accounts/${accountId}/setup`);
    const second = await api.post(`/v1/billing-accounts/${accountId}/setup`);
    expect(first.status).toBe(200);
    expect(first.body.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    expect(second.body.session_id).not.toBe(first.body.session_id);
    const customers = [...emulator.state.customers.values()].filter(
      (c) => c.metadata?.ktrlplane_billing_account_id === accountId,
    );
    expect(customers).toHaveLength(1);
    emulator.completeCheckoutSession(second.body.session_id);
    const event = emulator.events("checkout.session.completed").at(-1);
    expect((await deliver(event)).body).toEqual({ received: true, duplicate: false });
    await waitForSync({ api, billingAccountId: accountId });
    expect((await api.get(`/v1/billing-accounts/${accountId}`)).body.status).toBe("active");
    expect(
      (
        await api.post("/v1/resources", {
          project_id: project.id,
          resource_type: "graph",
          sku: "standard",
          name: "g2",
        })
      ).status,
    ).toBe(201);
  });

  it("keeps one item per price with the ledger's quantity; deleting one resource changes only its price", async () => {
    const { api, project, accountId } = await activeCustomer();
    const ids: string[] = [];
    for (const [type, sku] of [
      ["graph", "standard"],
      ["graph", "standard"],
      ["graph", "standard"],
      ["storage", "standard"],
      ["storage", "standard"],
      ["graph", "free"],
    ]) {
      ids.push(
        (
          await api.post("/v1/resources", {
            project_id: project.id,
            resource_type: type,
            sku,
            name: `${type}`,
          })
        ).body.id,
      );
    }
    await waitForSync({ api, billingAccountId: accountId });
    expect(stripeQuantitiesByCatalogPrice(emulator, accountId)).toEqual({
      "graph/standard": 3,
      "storage/standard": 2,
    });

    await api.delete(`/v1/resources/${ids[0]}`);
    await waitForSync({ api, billingAccountId: accountId });
    expect(stripeQuantitiesByCatalogPrice(emulator, accountId)).toEqual({
      "graph/standard": 2,
      "storage/standard": 2,
    });

    // A pass with nothing new writes nothing.
    const writes = emulator.writeCount();
    expect((await api.post(`/v1/billing-accounts/${accountId}/sync`)).body).toMatchObject({
      pending: 0,
      drift: [],
    });
    expect(emulator.writeCount()).toBe(writes);
  });

  it("moves quantities between subscriptions when a project switches billing, and cancels what is left empty", async () => {
    const { api, project, accountId } = await activeCustomer();
    for (let i = 0; i < 2; i++) {
      await api.post("/v1/resources", {
        project_id: project.id,
        resource_type: "graph",
        sku: "standard",
        name: `g${i}`,
      });
    }
    await waitForSync({ api, billingAccountId: accountId });
    const switched = await api.put(`/v1/projects/${project.id}/billing`, { mode: "separate" });
    const ownId = switched.body.billing_account_id;
    await waitForSync({ api, billingAccountId: accountId });
    await waitForSync({ api, billingAccountId: ownId });
    expect(stripeQuantitiesByCatalogPrice(emulator, ownId)).toEqual({ "graph/standard": 2 });
    expect(stripeQuantitiesByCatalogPrice(emulator, accountId)).toEqual({});
    const cancelled = [...emulator.state.subscriptions.values()].filter(
      (s) => s.metadata?.ktrlplane_billing_account_id === accountId && s.status === "canceled",
    );
    expect(cancelled).toHaveLength(1);

    await api.delete(`/v1/projects/${project.id}`);
    await waitForSync({ api, billingAccountId: ownId });
    expect(stripeQuantitiesByCatalogPrice(emulator, ownId)).toEqual({});
  });

  it("repairs drift made by hand in the dashboard and reports it", async () => {
    const { api, project, accountId } = await activeCustomer();
    await api.post("/v1/resources", {
      project_id: project.id,
      resource_type: "graph",
      sku: "standard",
      name: "g",
    });
    await waitForSync({ api, billingAccountId: accountId });
    const sub = [...emulator.state.subscriptions.values()].find(
      (s) => s.metadata?.ktrlplane_billing_account_id === accountId && s.status !== "canceled",
    );
    if (!sub) throw new Error("no subscription");
    emulator.dashboard.setItemQuantity(sub.id, sub.items.data[0]?.id ?? "", 7);
    const repaired = await api.post(`/v1/billing-accounts/${accountId}/sync`);
    expect(repaired.body.drift).toEqual([
      expect.objectContaining({
        kind: "quantity",
        detail: expect.stringContaining("expected 1, found 7"),
      }),
    ]);
    expect(stripeQuantitiesByCatalogPrice(emulator, accountId)).toEqual({ "graph/standard": 1 });

    emulator.dashboard.cancelSubscription(sub.id);
    const recreated = await api.post(`/v1/billing-accounts/${accountId}/sync`);
    expect(recreated.body.drift.map((d: { kind: string }) => d.kind)).toContain(
      "subscription_missing",
    );
    expect(stripeQuantitiesByCatalogPrice(emulator, accountId)).toEqual({ "graph/standard": 1 });
  });

  it("checks webhook signatures and takes each event once", async () => {
    const { api, accountId } = await activeCustomer();
    const forged = await app
      .client()
      .send("POST", "/v1/stripe/webhooks", JSON.stringify({ id: "evt_x", type: "invoice.paid" }), {
        "stripe-signature": "t=1,v1=deadbeef",
      });
    expect(forged.status).toBe(400);
    expect(forged.body.code).toBe("invalid_signature");

    const customerId = [...emulator.state.customers.values()].find(
      (c) => c.metadata?.ktrlplane_billing_account_id === accountId,
    )?.id;
    const event = {
      id: "evt_payment_failed_1",
      object: "event",
      type: "invoice.payment_failed",
      data: { object: { id: "in_1", object: "invoice", customer: customerId } },
    };
    expect((await deliver(event)).body).toEqual({ received: true, duplicate: false });
    expect((await deliver(event)).body).toEqual({ received: true, duplicate: true });
    await waitForSync({ api, billingAccountId: accountId });
  });

  it("coalesces a burst: a hundred creates cost about one write per changed price", async () => {
    const { api, project, accountId } = await activeCustomer();
    const before = emulator.writeCount();
    const burstStarted = Date.now();
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        api.post("/v1/resources", {
          project_id: project.id,
          resource_type: i % 2 ? "graph" : "flow",
          sku: "standard",
          name: `b${i}`,
        }),
      ),
    );
    const burstMs = Date.now() - burstStarted;
    await waitForSync({ api, billingAccountId: accountId });
    expect(stripeQuantitiesByCatalogPrice(emulator, accountId)).toEqual({
      "graph/standard": 50,
      "flow/standard": 50,
    });
    // The debounce writes an account at least every maxWaitMs (3 s) while creates keep coming:
    // a loaded machine that stretches the burst earns more passes, each still one write per price.
    const windows = Math.max(1, Math.ceil(burstMs / 3000));
    expect(emulator.writeCount() - before).toBeLessThanOrEqual(8 * windows);
  });
});
