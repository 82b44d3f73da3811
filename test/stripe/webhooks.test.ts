import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type StripeEmulator,
  type StripeEvent,
  type Subscription,
  signedEvent,
} from "../support/stripe-emulator/index.js";
import {
  type StripeTestApp,
  startStripeTestApp,
  stripeQuantitiesByCatalogPrice,
  waitForSync,
  webhookSecret,
} from "../support/stripe-mode.js";
import type { ApiClient, TestApp } from "../support/test-app.js";
import { testDatabaseAvailable } from "../support/test-database.js";

/**
 * Webhooks are triggers, not data: signed, taken once, in any order, and the account follows
 * what Stripe holds *now* (the handler marks the account; the pass re-reads Stripe).
 */
describe.skipIf(!testDatabaseAvailable)("Stripe webhooks", () => {
  let emulator: StripeEmulator;
  let stripe: Stripe; // "the dashboard": someone acting on Stripe directly
  let app: TestApp;
  let stripeApp: StripeTestApp;

  beforeAll(async () => {
    stripeApp = await startStripeTestApp({ seed: 11, debounceMs: 50, maxWaitMs: 2000 });
    ({ emulator, app } = stripeApp);
    stripe = emulator.client();
    // Mid-month on both clocks: a subscription's first period runs to the 1st, and minutes
    // before a month's end a quantity change would prorate to $0, an invoice Stripe marks paid
    // at once, where these tests need one left open.
    stripeApp.setClocks("2026-11-10T00:00:00Z");
  });
  afterAll(async () => {
    await stripeApp?.close();
  });

  function post(payload: string, header?: string) {
    return app
      .client()
      .send("POST", "/v1/stripe/webhooks", payload, header ? { "stripe-signature": header } : {});
  }

  function deliver(event: unknown) {
    const { payload, header } = signedEvent({ secret: webhookSecret, event });
    return post(payload, header);
  }

  /** The events Stripe recorded about one object, oldest first. */
  function eventsAbout(type: string, objectId: string): StripeEvent[] {
    return emulator.events(type).filter((e) => (e.data.object as { id: string }).id === objectId);
  }

  function liveSubscriptions(accountId: string): Subscription[] {
    return [...emulator.state.subscriptions.values()].filter(
      (s) =>
        s.metadata?.ktrlplane_billing_account_id === accountId &&
        s.status !== "canceled" &&
        s.status !== "incomplete_expired",
    );
  }

  async function status(api: ApiClient, accountId: string): Promise<string> {
    return (await api.get(`/v1/billing-accounts/${accountId}`)).body.status;
  }

  async function createResource(api: ApiClient, projectId: string, sku: string, name = "r") {
    return api.post("/v1/resources", {
      project_id: projectId,
      resource_type: "graph",
      sku,
      name,
    });
  }

  /** A user whose organization's account completed Stripe set-up and pays for one graph. */
  async function payingCustomer() {
    const { api } = await app.signUp();
    const project = (await api.post("/v1/projects", { name: "Shop" })).body;
    const accountId: string = project.billing.billing_account_id;
    const setup = await api.post(`/v1/billing-accounts/${accountId}/setup`);
    emulator.completeCheckoutSession(setup.body.session_id);
    const [completed] = eventsAbout("checkout.session.completed", setup.body.session_id);
    expect((await deliver(completed)).status).toBe(200);
    await waitForSync({ api, billingAccountId: accountId });
    expect(await status(api, accountId)).toBe("active");
    const graph = await createResource(api, project.id, "standard", "g0");
    expect(graph.status).toBe(201);
    await waitForSync({ api, billingAccountId: accountId });
    const [subscription] = liveSubscriptions(accountId);
    if (!subscription) throw new Error("no subscription");
    expect(subscription.status).toBe("active");
    const customerId = subscription.customer;
    return { api, project, accountId, subscription, customerId, graphId: graph.body.id as string };
  }

  /** Stripe leaves a set-up Checkout's card attached, not default: the product makes it default. */
  function expectDefaultFromSetup(sessionId: string) {
    const session = emulator.state.checkoutSessions.get(sessionId);
    const intent = emulator.state.setupIntents.get(session?.setup_intent ?? "");
    expect(intent?.status).toBe("succeeded");
    const customer = emulator.state.customers.get(session?.customer ?? "");
    expect(customer?.invoice_settings.default_payment_method).toBe(intent?.payment_method);
    const updates = emulator.requests.filter(
      (r) => r.method === "POST" && r.path === `/v1/customers/${customer?.id}`,
    );
    expect(updates.length).toBeGreaterThanOrEqual(1);
    expect(updates.every((r) => r.idempotencyKey?.includes(":default_payment_method:"))).toBe(true);
  }

  it("set-up with the card only attached activates the account on checkout.session.completed", async () => {
    const { api } = await app.signUp();
    const project = (await api.post("/v1/projects", { name: "Setup" })).body;
    const accountId: string = project.billing.billing_account_id;
    const setup = await api.post(`/v1/billing-accounts/${accountId}/setup`);
    emulator.completeCheckoutSession(setup.body.session_id);
    const session = emulator.state.checkoutSessions.get(setup.body.session_id);
    expect(
      emulator.state.customers.get(session?.customer ?? "")?.invoice_settings
        .default_payment_method,
    ).toBeNull();
    expect(await status(api, accountId)).toBe("setup_required");
    const [completed] = eventsAbout("checkout.session.completed", setup.body.session_id);
    expect((await deliver(completed)).status).toBe(200);
    await waitForSync({ api, billingAccountId: accountId });
    expect(await status(api, accountId)).toBe("active");
    expectDefaultFromSetup(setup.body.session_id);
    const graph = await createResource(api, project.id, "standard", "paid");
    expect(graph.status).toBe(201);
    await waitForSync({ api, billingAccountId: accountId });
    expect(liveSubscriptions(accountId).map((s) => s.status)).toEqual(["active"]);
  });

  it("set-up activates on the next pass when checkout.session.completed never arrives", async () => {
    const { api } = await app.signUp();
    const project = (await api.post("/v1/projects", { name: "Lost hook" })).body;
    const accountId: string = project.billing.billing_account_id;
    const setup = await api.post(`/v1/billing-accounts/${accountId}/setup`);
    emulator.completeCheckoutSession(setup.body.session_id);
    // No delivery: the next pass (here the one the console asks for on return) adopts the card.
    const sync = await api.post(`/v1/billing-accounts/${accountId}/sync`);
    expect(sync.status).toBe(200);
    expect(await status(api, accountId)).toBe("active");
    expectDefaultFromSetup(setup.body.session_id);
    // A second pass finds the default in place and writes nothing.
    const before = emulator.writeCount();
    await api.post(`/v1/billing-accounts/${accountId}/sync`);
    expect(emulator.writeCount()).toBe(before);
  });

  it("refuses a bad signature, a tampered body, a stale or future timestamp and an over-long id with 400, taking nothing", async () => {
    const event = {
      id: "evt_signature_check",
      object: "event",
      type: "invoice.paid",
      data: { object: { id: "in_sig", object: "invoice", customer: "cus_unknown" } },
    };
    const wrongSecret = signedEvent({ secret: "whsec_someone_else", event });
    const forged = await post(wrongSecret.payload, wrongSecret.header);
    expect(forged.status).toBe(400);
    expect(forged.body.code).toBe("invalid_signature");

    const good = signedEvent({ secret: webhookSecret, event });
    const tampered = await post(good.payload.replace("in_sig", "in_other"), good.header);
    expect(tampered.status).toBe(400);
    expect(tampered.body.code).toBe("invalid_signature");

    expect((await post(good.payload)).status).toBe(400); // no Stripe-Signature header at all

    // Signed correctly, but an hour old: a replay from a captured delivery.
    const stale = signedEvent({
      secret: webhookSecret,
      event,
      timestamp: Math.floor(Date.now() / 1000) - 3600,
    });
    const old = await post(stale.payload, stale.header);
    expect(old.status).toBe(400);
    expect(old.body.code).toBe("invalid_signature");

    // Signed correctly, but dated an hour ahead: kept back to be replayed later.
    const ahead = signedEvent({
      secret: webhookSecret,
      event,
      timestamp: Math.floor(Date.now() / 1000) + 3600,
    });
    const future = await post(ahead.payload, ahead.header);
    expect(future.status).toBe(400);
    expect(future.body.code).toBe("invalid_signature");

    // Signed correctly, with an id no Stripe object has: refused, not a 500 from the index.
    const huge = signedEvent({
      secret: webhookSecret,
      event: { ...event, id: `evt_${"x".repeat(500_000)}` },
    });
    const tooLong = await post(huge.payload, huge.header);
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.field).toBe("id");

    // None of the refused deliveries claimed the event: the genuine one is still fresh.
    expect((await post(good.payload, good.header)).body).toEqual({
      received: true,
      duplicate: false,
    });
  });

  it("takes a replayed event once, also when the copies arrive at the same time", async () => {
    const { api, accountId, subscription } = await payingCustomer();
    const [created] = eventsAbout("customer.subscription.created", subscription.id);
    expect(created).toBeDefined();
    // Delivered again with a new signature (Stripe re-signs every attempt).
    expect((await deliver(created)).body).toEqual({ received: true, duplicate: false });
    expect((await deliver(created)).body).toEqual({ received: true, duplicate: true });

    const [paid] = emulator
      .events("invoice.paid")
      .filter((e) => (e.data.object as { customer: string }).customer === subscription.customer);
    const answers = await Promise.all([1, 2, 3, 4].map(() => deliver(paid)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(answers.filter((a) => a.body.duplicate === false)).toHaveLength(1);
    await waitForSync({ api, billingAccountId: accountId });
    expect(liveSubscriptions(accountId)).toHaveLength(1);
    expect(stripeQuantitiesByCatalogPrice(emulator, accountId)).toEqual({ "graph/standard": 1 });
  });

  it("answers an event about a customer it does not know with 200 and does nothing", async () => {
    const writes = emulator.writeCount();
    const answer = await deliver({
      id: "evt_stranger",
      object: "event",
      type: "customer.subscription.updated",
      data: { object: { id: "sub_stranger", object: "subscription", customer: "cus_stranger" } },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ received: true, duplicate: false });
    expect(emulator.writeCount()).toBe(writes);
  });

  it("re-creates a subscription deleted by hand on the next pass, with the ledger's quantities", async () => {
    const { api, project, accountId, subscription } = await payingCustomer();
    for (const [type, sku] of [
      ["graph", "standard"],
      ["storage", "standard"],
    ]) {
      await api.post("/v1/resources", {
        project_id: project.id,
        resource_type: type,
        sku,
        name: "more",
      });
    }
    await waitForSync({ api, billingAccountId: accountId });
    expect(stripeQuantitiesByCatalogPrice(emulator, accountId)).toEqual({
      "graph/standard": 2,
      "storage/standard": 1,
    });

    emulator.dashboard.cancelSubscription(subscription.id);
    expect(liveSubscriptions(accountId)).toEqual([]);
    const [deleted] = eventsAbout("customer.subscription.deleted", subscription.id);
    expect((await deliver(deleted)).body).toEqual({ received: true, duplicate: false });
    // (Which pass repairs it — this one or a periodic full pass — and so which one reports the
    // drift, is timing; that it is repaired is not.)
    await waitForSync({ api, billingAccountId: accountId });

    const live = liveSubscriptions(accountId);
    expect(live).toHaveLength(1);
    expect(live[0]?.id).not.toBe(subscription.id);
    expect(live[0]?.customer).toBe(subscription.customer);
    expect(stripeQuantitiesByCatalogPrice(emulator, accountId)).toEqual({
      "graph/standard": 2,
      "storage/standard": 1,
    });
    expect(await status(api, accountId)).toBe("active");
  });

  it("follows Stripe's current state: a failed payment makes the account past_due (paid creates 402, the rest untouched), a paid invoice makes it active, whatever order the events come in", async () => {
    const { api, project, accountId, subscription, customerId, graphId } = await payingCustomer();
    const item = subscription.items.data[0];
    if (!item) throw new Error("no item");

    // The card stops working; a change made in the dashboard is invoiced at once and cannot be
    // charged, so the invoice stays open. (Quantity put back afterwards: no drift.)
    const customer = (await stripe.customers.retrieve(customerId)) as Stripe.Customer;
    const card = customer.invoice_settings.default_payment_method as string;
    expect(card).toMatch(/^pm_/);
    await stripe.customers.update(customerId, { invoice_settings: { default_payment_method: "" } });
    emulator.dashboard.setItemQuantity(subscription.id, item.id, 2, "always_invoice");
    const invoiceId = emulator.state.subscriptions.get(subscription.id)?.latest_invoice as string;
    expect(emulator.state.invoices.get(invoiceId)?.status).toBe("open");
    emulator.dashboard.setItemQuantity(subscription.id, item.id, 1, "none");
    await stripe.customers.update(customerId, {
      invoice_settings: { default_payment_method: card },
    });
    const activeBefore = eventsAbout("customer.subscription.updated", subscription.id).at(-1);

    emulator.dashboard.failInvoicePayment(invoiceId);
    expect(emulator.state.subscriptions.get(subscription.id)?.status).toBe("past_due");
    const [failed] = eventsAbout("invoice.payment_failed", invoiceId);
    const pastDue = eventsAbout("customer.subscription.updated", subscription.id).at(-1);
    expect(pastDue?.data.object).toMatchObject({ status: "past_due" });

    // An old "active" update arrives late, after the failure: Stripe says past_due, so past_due.
    expect((await deliver(activeBefore)).body.duplicate).toBe(false);
    await waitForSync({ api, billingAccountId: accountId });
    expect(await status(api, accountId)).toBe("past_due");
    expect((await deliver(failed)).body).toEqual({ received: true, duplicate: false });
    await waitForSync({ api, billingAccountId: accountId });
    expect(await status(api, accountId)).toBe("past_due");

    // Past due: no new paid resources; free ones still; what runs keeps running and billing.
    const refused = await createResource(api, project.id, "standard", "g1");
    expect(refused.status).toBe(402);
    expect(refused.body).toMatchObject({
      code: "billing_account_inactive",
      billing_account_id: accountId,
    });
    expect((await createResource(api, project.id, "free", "f1")).status).toBe(201);
    expect((await api.get(`/v1/resources/${graphId}`)).status).toBe(200);
    await waitForSync({ api, billingAccountId: accountId });
    expect(stripeQuantitiesByCatalogPrice(emulator, accountId)).toEqual({ "graph/standard": 1 });
    expect(liveSubscriptions(accountId).map((s) => s.id)).toEqual([subscription.id]);

    // The customer pays. invoice.paid arrives first, the stale past_due update after it.
    emulator.dashboard.payInvoice(invoiceId);
    expect(emulator.state.subscriptions.get(subscription.id)?.status).toBe("active");
    const [paid] = eventsAbout("invoice.paid", invoiceId);
    expect((await deliver(paid)).body.duplicate).toBe(false);
    await waitForSync({ api, billingAccountId: accountId });
    expect(await status(api, accountId)).toBe("active");
    expect((await deliver(pastDue)).body.duplicate).toBe(false);
    await waitForSync({ api, billingAccountId: accountId });
    expect(await status(api, accountId)).toBe("active");

    expect((await createResource(api, project.id, "standard", "g2")).status).toBe(201);
    await waitForSync({ api, billingAccountId: accountId });
    expect(stripeQuantitiesByCatalogPrice(emulator, accountId)).toEqual({ "graph/standard": 2 });
  });

  it("a subscription Stripe cancelled for non-payment leaves the account canceled, and is not re-created", async () => {
    const { api, project, accountId, subscription, graphId } = await payingCustomer();
    const writes = emulator.writeCount();
    emulator.dashboard.cancelSubscription(subscription.id, { reason: "payment_failed" });
    const [deleted] = eventsAbout("customer.subscription.deleted", subscription.id);
    expect((await deliver(deleted)).status).toBe(200);
    await waitForSync({ api, billingAccountId: accountId });
    expect(await status(api, accountId)).toBe("canceled");
    expect(liveSubscriptions(accountId)).toEqual([]);
    expect(emulator.writeCount()).toBe(writes);

    const paid = await createResource(api, project.id, "standard", "after");
    expect(paid.status).toBe(402);
    expect(paid.body.code).toBe("billing_account_inactive");
    expect((await createResource(api, project.id, "free", "free-after")).status).toBe(201);
    expect((await api.get(`/v1/resources/${graphId}`)).status).toBe(200);
  });
});
