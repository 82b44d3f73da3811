import Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type StripeEmulator,
  signedEvent,
  startStripeEmulator,
} from "../support/stripe-emulator/index.js";

// The real SDK against the emulator: every assertion goes through Stripe's own client code.
let emulator: StripeEmulator;
let stripe: Stripe;

beforeAll(async () => {
  emulator = await startStripeEmulator({ seed: 42 });
  stripe = emulator.client();
});

afterAll(async () => {
  await emulator.close();
});

beforeEach(() => {
  emulator.reset();
});

/** Awaits a promise expected to fail with a Stripe error and returns that error. */
async function stripeError(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  const error = await promise.then(
    () => {
      throw new Error("expected the request to fail");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Stripe.errors.StripeError);
  return error as Stripe.errors.StripeError;
}

async function monthlyPrice(unitAmount: number, lookupKey?: string): Promise<Stripe.Price> {
  return stripe.prices.create({
    currency: "usd",
    unit_amount: unitAmount,
    recurring: { interval: "month" },
    product_data: { name: `Product ${unitAmount}` },
    ...(lookupKey === undefined ? {} : { lookup_key: lookupKey }),
  });
}

/** A new customer's subscription to one monthly price of `unitAmount`, invoiced (not charged). */
async function invoicedSubscription(options: {
  unitAmount: number;
  quantity?: number;
  metadata?: Record<string, string>;
}) {
  const { quantity, metadata } = options;
  const customer = await stripe.customers.create({});
  const price = await monthlyPrice(options.unitAmount);
  const sub = await stripe.subscriptions.create({
    customer: customer.id,
    collection_method: "send_invoice",
    days_until_due: 7,
    items: [{ price: price.id, ...(quantity === undefined ? {} : { quantity }) }],
    ...(metadata ? { metadata } : {}),
  });
  return { customer, price, sub, item: sub.items.data[0] as Stripe.SubscriptionItem };
}

describe("idempotency", () => {
  it("replays the stored response for the same key and parameters", async () => {
    const params = { email: "a@example.com", metadata: { account: "acc_1" } };
    const first = await stripe.customers.create(params, { idempotencyKey: "create-acc_1" });
    const second = await stripe.customers.create(params, { idempotencyKey: "create-acc_1" });

    expect(second.id).toBe(first.id);
    expect(emulator.state.customers.size).toBe(1);
    const [a, b] = emulator.requests;
    expect(a?.replayed).toBe(false);
    expect(b?.replayed).toBe(true);
    expect(emulator.writeCount()).toBe(1);
    expect(second.lastResponse.headers["idempotent-replayed"]).toBe("true");
  });

  it("rejects the same key with other parameters", async () => {
    await stripe.customers.create({ email: "a@example.com" }, { idempotencyKey: "k-1" });
    await expect(
      stripe.customers.create({ email: "b@example.com" }, { idempotencyKey: "k-1" }),
    ).rejects.toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(emulator.state.customers.size).toBe(1);
  });

  it("scopes keys per API key", async () => {
    const other = emulator.client({ apiKey: "sk_test_other" });
    const a = await stripe.customers.create({ email: "a@example.com" }, { idempotencyKey: "same" });
    const b = await other.customers.create({ email: "b@example.com" }, { idempotencyKey: "same" });
    expect(b.id).not.toBe(a.id);
  });

  it("does not store validation failures, so a corrected retry is not poisoned", async () => {
    await expect(
      stripe.customers.create({ email: "a@example.com", bogus: "x" } as never, {
        idempotencyKey: "v",
      }),
    ).rejects.toThrow();
    const created = await stripe.customers.create(
      { email: "a@example.com" },
      { idempotencyKey: "v2" },
    );
    expect(created.email).toBe("a@example.com");
  });
});

describe("requests and errors", () => {
  it("requires a test secret key", async () => {
    const bad = emulator.client({ apiKey: "pk_live_nope" });
    await expect(bad.customers.list()).rejects.toBeInstanceOf(
      Stripe.errors.StripeAuthenticationError,
    );
  });

  it("answers unknown parameters with parameter_unknown and the param path", async () => {
    const error = await stripe.customers
      .create({ email: "a@example.com", favourite_colour: "green" } as never)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    const e = error as Stripe.errors.StripeInvalidRequestError;
    expect(e.code).toBe("parameter_unknown");
    expect(e.param).toBe("favourite_colour");
  });

  it("names nested unknown parameters by their full path", async () => {
    const price = await monthlyPrice(100);
    const customer = await stripe.customers.create({});
    const error = await stripeError(
      stripe.subscriptions.create({
        customer: customer.id,
        items: [{ price: price.id, colour: "red" }],
      } as never),
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error.code).toBe("parameter_unknown");
    expect(error.param).toBe("items[0][colour]");
  });

  it("answers 404 resource_missing for unknown ids", async () => {
    const error = await stripeError(stripe.customers.retrieve("cus_missing"));
    expect(error.statusCode).toBe(404);
    expect(error.code).toBe("resource_missing");
  });
});

describe("catalog", () => {
  it("round-trips a graduated tiered price, tiers only when expanded", async () => {
    const price = await stripe.prices.create({
      currency: "usd",
      product_data: { name: "Storage" },
      billing_scheme: "tiered",
      tiers_mode: "graduated",
      recurring: { interval: "month" },
      lookup_key: "storage_gb",
      metadata: { sku: "gb" },
      tiers: [
        { up_to: 10, unit_amount: 0 },
        { up_to: 100, unit_amount: 50 },
        { up_to: "inf", unit_amount: 20, flat_amount: 100 },
      ],
    });
    expect(price.id).toMatch(/^price_/);
    expect(price.tiers).toBeUndefined();

    const fetched = await stripe.prices.retrieve(price.id, { expand: ["tiers"] });
    expect(fetched.tiers?.map((t) => [t.up_to, t.unit_amount, t.flat_amount])).toEqual([
      [10, 0, null],
      [100, 50, null],
      [null, 20, 100],
    ]);
    expect(fetched.tiers_mode).toBe("graduated");
    expect(fetched.metadata).toEqual({ sku: "gb" });

    const byKey = await stripe.prices.list({ lookup_keys: ["storage_gb"] });
    expect(byKey.data.map((p) => p.id)).toEqual([price.id]);
    expect(byKey.object).toBe("list");
    expect(byKey.url).toBe("/v1/prices");
  });

  it("refuses a lookup key already in use unless transferred", async () => {
    await monthlyPrice(100, "cpu");
    await expect(monthlyPrice(200, "cpu")).rejects.toBeInstanceOf(
      Stripe.errors.StripeInvalidRequestError,
    );
  });
});

describe("subscriptions", () => {
  it("rejects more than 20 items", async () => {
    const customer = await stripe.customers.create({});
    const prices = await Promise.all(Array.from({ length: 21 }, (_, i) => monthlyPrice(100 + i)));
    const error = await stripe.subscriptions
      .create({
        customer: customer.id,
        collection_method: "send_invoice",
        days_until_due: 30,
        items: prices.map((p) => ({ price: p.id, quantity: 1 })),
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(emulator.state.subscriptions.size).toBe(0);

    const ok = await stripe.subscriptions.create({
      customer: customer.id,
      collection_method: "send_invoice",
      days_until_due: 30,
      items: prices.slice(0, 20).map((p) => ({ price: p.id })),
    });
    expect(ok.items.data).toHaveLength(20);
    await expect(
      stripe.subscriptionItems.create({ subscription: ok.id, price: prices[20]?.id as string }),
    ).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
  });

  it("updates an item's quantity absolutely and records the event", async () => {
    const { customer, sub, item } = await invoicedSubscription({
      unitAmount: 1000,
      quantity: 2,
      metadata: { account: "acc_1" },
    });
    expect(item.quantity).toBe(2);
    expect(item.current_period_end).toBeGreaterThan(item.current_period_start);

    const updated = await stripe.subscriptionItems.update(item.id, {
      quantity: 5,
      proration_behavior: "none",
    });
    expect(updated.quantity).toBe(5);
    const again = await stripe.subscriptions.retrieve(sub.id);
    expect(again.items.data[0]?.quantity).toBe(5);

    const viaSubscription = await stripe.subscriptions.update(sub.id, {
      items: [{ id: item.id, quantity: 3 }],
      proration_behavior: "none",
    });
    expect(viaSubscription.items.data[0]?.quantity).toBe(3);

    const updates = emulator.events("customer.subscription.updated");
    expect(updates).toHaveLength(2);
    expect(updates[1]?.data.previous_attributes).toHaveProperty("items");

    const listed = await stripe.subscriptions.list({ customer: customer.id });
    expect(listed.data.map((s) => s.id)).toEqual([sub.id]);
  });

  it("refuses two items with the same price and removing the last item", async () => {
    const { customer, price, sub } = await invoicedSubscription({ unitAmount: 100 });
    await expect(
      stripe.subscriptions.update(sub.id, { items: [{ price: price.id }] }),
    ).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    await expect(
      stripe.subscriptionItems.del(sub.items.data[0]?.id as string),
    ).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);

    const canceled = await stripe.subscriptions.cancel(sub.id);
    expect(canceled.status).toBe("canceled");
    expect(emulator.events("customer.subscription.deleted")).toHaveLength(1);
    expect((await stripe.subscriptions.list({ customer: customer.id })).data).toHaveLength(0);
  });

  it("lets the dashboard drift a quantity, with an event that has no request id", async () => {
    const { price, sub } = await invoicedSubscription({ unitAmount: 100, quantity: 4 });
    emulator.dashboard.setItemQuantity(sub.id, price.id, 9);
    const drifted = await stripe.subscriptions.retrieve(sub.id);
    expect(drifted.items.data[0]?.quantity).toBe(9);
    const event = emulator.events("customer.subscription.updated").at(-1);
    expect(event?.request.id).toBeNull();
  });
});

describe("faults", () => {
  it("failAfterWrite + SDK retries: the write happens once, the retry is a replay", async () => {
    const retrying = emulator.client({ maxNetworkRetries: 2 });
    emulator.faults.once({ failAfterWriteRate: 1 }, { path: "/v1/customers", method: "POST" });

    const customer = await retrying.customers.create({ email: "once@example.com" });

    expect(emulator.state.customers.size).toBe(1);
    expect(emulator.state.customers.get(customer.id)?.email).toBe("once@example.com");
    const posts = emulator.requests.filter((r) => r.path === "/v1/customers");
    expect(posts.map((r) => [r.fault, r.replayed])).toEqual([
      ["failAfterWrite", false],
      [null, true],
    ]);
    expect(emulator.writeCount()).toBe(1);
  });

  it("429 with stripe-should-retry is retried by the SDK", async () => {
    const retrying = emulator.client({ maxNetworkRetries: 3 });
    emulator.faults.add({ rateLimitRate: 1, times: 2 });
    const list = await retrying.customers.list();
    expect(list.data).toEqual([]);
    expect(emulator.requests.map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it("enforces a per-second rate limit", async () => {
    emulator.setRateLimit(3);
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => stripe.customers.list()),
    );
    const limited = results.filter(
      (r) => r.status === "rejected" && r.reason instanceof Stripe.errors.StripeRateLimitError,
    );
    expect(limited).toHaveLength(2);
    expect(emulator.peakRequestsPerSecond((r) => r.status === 200)).toBe(3);
    emulator.setRateLimit(undefined);
  });

  it("500s before execution are retried and create nothing extra", async () => {
    const retrying = emulator.client({ maxNetworkRetries: 2 });
    emulator.faults.once({ errorRate: 1 });
    const customer = await retrying.customers.create({ email: "x@example.com" });
    expect(emulator.state.customers.size).toBe(1);
    expect(customer.email).toBe("x@example.com");
    expect(emulator.requests.map((r) => r.status)).toEqual([500, 200]);
  });

  it("is deterministic for a seed", async () => {
    const run = async () => {
      emulator.reset();
      emulator.faults.seed(7);
      emulator.faults.errorRate = 0.5;
      const outcomes: string[] = [];
      for (let i = 0; i < 12; i++) {
        outcomes.push(
          await stripe.customers.list().then(
            () => "ok",
            () => "err",
          ),
        );
      }
      return outcomes.join(",");
    };
    expect(await run()).toBe(await run());
  });
});

describe("search, previews, checkout, webhooks", () => {
  it("searches customers by metadata", async () => {
    const a = await stripe.customers.create({ metadata: { billing_account: "ba_1" } });
    await stripe.customers.create({ metadata: { billing_account: "ba_2" } });
    const found = await stripe.customers.search({ query: "metadata['billing_account']:'ba_1'" });
    expect(found.data.map((c) => c.id)).toEqual([a.id]);
  });

  it("previews the invoice of a graduated tier", async () => {
    const customer = await stripe.customers.create({});
    const price = await stripe.prices.create({
      currency: "usd",
      product_data: { name: "Compute" },
      billing_scheme: "tiered",
      tiers_mode: "graduated",
      recurring: { interval: "month" },
      tiers: [
        { up_to: 5, unit_amount: 1000 },
        { up_to: "inf", unit_amount: 500, flat_amount: 200 },
      ],
    });
    // 5 × 10.00 + 3 × 5.00 + 2.00 flat = 67.00
    const preview = await stripe.invoices.createPreview({
      customer: customer.id,
      subscription_details: { items: [{ price: price.id, quantity: 8 }] },
    });
    expect(preview.total).toBe(6700);
    expect(preview.amount_due).toBe(6700);
    expect(preview.lines.data).toHaveLength(1);
    expect(preview.currency).toBe("usd");
    expect(emulator.writeCount()).toBe(2); // the customer and the price; the preview writes nothing
  });

  it("previews a quantity change on an existing subscription", async () => {
    const { sub, item } = await invoicedSubscription({ unitAmount: 1000, quantity: 1 });
    const preview = await stripe.invoices.createPreview({
      subscription: sub.id,
      subscription_details: {
        items: [{ id: item.id, quantity: 3 }],
        proration_behavior: "none",
      },
    });
    expect(preview.total).toBe(3000);
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0]?.quantity).toBe(1);
  });

  it("completes a setup checkout session", async () => {
    const customer = await stripe.customers.create({ email: "pay@example.com" });
    const session = await stripe.checkout.sessions.create({
      mode: "setup",
      customer: customer.id,
      currency: "usd",
      success_url: "http://app.test/billing/ok",
      cancel_url: "http://app.test/billing/cancel",
    });
    expect(session.url).toContain(emulator.url);
    expect(session.status).toBe("open");

    emulator.completeCheckoutSession(session.id);

    // As Stripe: the card is attached and the SetupIntent succeeded with it, but it is not made
    // the customer's invoice default (https://docs.stripe.com/payments/save-and-reuse).
    const refreshed = await stripe.customers.retrieve(customer.id);
    expect((refreshed as Stripe.Customer).invoice_settings.default_payment_method).toBeNull();
    const done = await stripe.checkout.sessions.retrieve(session.id);
    expect(done.status).toBe("complete");
    const intent = await stripe.setupIntents.retrieve(done.setup_intent as string);
    expect(intent.status).toBe("succeeded");
    expect(intent.customer).toBe(customer.id);
    expect(intent.payment_method).toMatch(/^pm_/);
    const attached = await stripe.customers.listPaymentMethods(customer.id);
    expect(attached.data.map((pm) => pm.id)).toEqual([intent.payment_method]);
    const listed = await stripe.setupIntents.list({ customer: customer.id });
    expect(listed.data.map((i) => i.id)).toEqual([intent.id]);
    expect(emulator.events("customer.updated")).toHaveLength(0);
    const events = await stripe.events.list({ type: "checkout.session.completed" });
    expect(events.data).toHaveLength(1);
    const completed = events.data[0]?.data.object as Stripe.Checkout.Session | undefined;
    expect(completed?.id).toBe(session.id);
  });

  it("signs webhook deliveries that constructEvent accepts", async () => {
    await stripe.customers.create({ email: "hook@example.com" });
    const event = emulator.events("customer.created")[0];
    const secret = "whsec_test_secret";
    const { payload, header } = signedEvent({ secret, event });
    const verified = Stripe.webhooks.constructEvent(payload, header, secret);
    expect(verified.id).toBe(event?.id);
    expect(verified.type).toBe("customer.created");
    expect(() => Stripe.webhooks.constructEvent(payload, header, "whsec_wrong")).toThrow();
  });
});

describe("more faults and billing semantics", () => {
  it("a dropped connection before execution is retried and creates one object", async () => {
    const retrying = emulator.client({ maxNetworkRetries: 2 });
    emulator.faults.once({ dropConnectionRate: 1 }, { path: "/v1/products" });
    await retrying.products.create({ name: "Disk" });
    expect(emulator.state.products.size).toBe(1);
    expect(emulator.requests.map((r) => [r.fault, r.replayed])).toEqual([
      ["drop", false],
      [null, false],
    ]);
  });

  it("create_prorations leaves pending prorations that the next preview includes", async () => {
    const { sub, item } = await invoicedSubscription({ unitAmount: 3000, quantity: 1 });
    const halfway = Math.floor((item.current_period_start + item.current_period_end) / 2);
    await stripe.subscriptionItems.update(item.id, {
      quantity: 2,
      proration_behavior: "create_prorations",
      proration_date: halfway,
    });
    const preview = await stripe.invoices.createPreview({ subscription: sub.id });
    const prorations = preview.lines.data.filter(
      (l) => l.parent?.subscription_item_details?.proration === true,
    );
    // Half a period: −15.00 for the unused single unit, +30.00 for the two — about +15.00.
    const net = prorations.reduce((sum, l) => sum + l.amount, 0);
    expect(prorations).toHaveLength(2);
    expect(Math.abs(net - 1500)).toBeLessThanOrEqual(1);
    expect(preview.total).toBe(6000 + net);
  });

  it("bills metered usage from meter events in the preview", async () => {
    const meter = await stripe.billing.meters.create({
      display_name: "API calls",
      event_name: "api_call",
      default_aggregation: { formula: "sum" },
    });
    const price = await stripe.prices.create({
      currency: "usd",
      unit_amount: 2,
      product_data: { name: "Calls" },
      recurring: { interval: "month", usage_type: "metered", meter: meter.id },
    });
    const customer = await stripe.customers.create({});
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      collection_method: "send_invoice",
      days_until_due: 7,
      items: [{ price: price.id }],
    });
    for (const [identifier, value] of [
      ["e1", "10"],
      ["e2", "5"],
      ["e1", "10"],
    ] as const) {
      await stripe.billing.meterEvents.create({
        event_name: "api_call",
        identifier,
        payload: { stripe_customer_id: customer.id, value },
      });
    }
    const preview = await stripe.invoices.createPreview({ subscription: sub.id });
    expect(preview.total).toBe(30); // 15 calls (the repeated identifier counts once) × 2
  });

  it("charges a customer with a default payment method; failed payments make it past_due", async () => {
    const customer = await payingCustomer();
    const price = await monthlyPrice(500);
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id, quantity: 2 }],
      expand: ["latest_invoice"],
    });
    expect(sub.status).toBe("active");
    const invoice = sub.latest_invoice as Stripe.Invoice;
    expect(invoice.status).toBe("paid");
    expect(invoice.amount_paid).toBe(1000);

    const other = await stripe.customers.create({});
    const unpaid = await stripe.subscriptions.create({
      customer: other.id,
      items: [{ price: price.id }],
      payment_behavior: "default_incomplete",
    });
    expect(unpaid.status).toBe("incomplete");
    emulator.dashboard.payInvoice(unpaid.latest_invoice as string);
    expect(emulator.state.subscriptions.get(unpaid.id)?.status).toBe("active");

    const renewal = await stripe.subscriptions.update(unpaid.id, {
      items: [{ id: unpaid.items.data[0]?.id as string, quantity: 3 }],
      proration_behavior: "always_invoice",
    });
    expect(renewal.latest_invoice).not.toBe(unpaid.latest_invoice);
    emulator.dashboard.failInvoicePayment(renewal.latest_invoice as string);
    expect(emulator.state.subscriptions.get(unpaid.id)?.status).toBe("past_due");
    expect(emulator.events("invoice.payment_failed")).toHaveLength(1);
  });
});

describe("incomplete subscriptions and DELETE (as Stripe documents them)", () => {
  async function incompleteSubscription() {
    const customer = await stripe.customers.create({});
    const price = await monthlyPrice(700);
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id, quantity: 1 }],
      payment_behavior: "default_incomplete",
    });
    expect(sub.status).toBe("incomplete");
    return { sub, price };
  }

  // https://docs.stripe.com/billing/subscriptions/overview#payment-status
  it("refuses item changes on an incomplete subscription, by any endpoint", async () => {
    const { sub } = await incompleteSubscription();
    const item = sub.items.data[0] as Stripe.SubscriptionItem;
    const other = await monthlyPrice(300);
    for (const attempt of [
      stripe.subscriptionItems.update(item.id, { quantity: 2 }),
      stripe.subscriptionItems.create({ subscription: sub.id, price: other.id, quantity: 1 }),
      stripe.subscriptions.update(sub.id, { items: [{ id: item.id, quantity: 3 }] }),
    ]) {
      const error = await stripeError(attempt);
      expect(error.statusCode).toBe(400);
      expect(error.type).toBe("StripeInvalidRequestError");
      expect(error.message).toMatch(/incomplete/);
    }
    // Metadata is still allowed, and nothing else changed.
    await stripe.subscriptions.update(sub.id, { metadata: { note: "waiting" } });
    const now = await stripe.subscriptions.retrieve(sub.id);
    expect(now.items.data.map((i) => i.quantity)).toEqual([1]);
  });

  // https://docs.stripe.com/billing/subscriptions/overview#payment-status ("within 23 hours")
  it("expires an unpaid incomplete subscription after 23 hours and voids its invoice", async () => {
    const { sub } = await incompleteSubscription();
    emulator.clock.advance(23 * 3600 - 60);
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("incomplete");
    emulator.clock.advance(60);
    const expired = await stripe.subscriptions.retrieve(sub.id);
    expect(expired.status).toBe("incomplete_expired");
    const invoice = await stripe.invoices.retrieve(sub.latest_invoice as string);
    expect(invoice.status).toBe("void");
    const listed = await stripe.subscriptions.list({ customer: sub.customer as string });
    expect(listed.data).toHaveLength(0); // the default list leaves out ended subscriptions
    const all = await stripe.subscriptions.list({
      customer: sub.customer as string,
      status: "all",
    });
    expect(all.data.map((s) => s.status)).toEqual(["incomplete_expired"]);
    // A paid first invoice keeps a subscription from expiring.
    const { sub: paid } = await incompleteSubscription();
    emulator.dashboard.payInvoice(paid.latest_invoice as string);
    emulator.clock.advance(24 * 3600);
    emulator.tick();
    expect(emulator.state.subscriptions.get(paid.id)?.status).toBe("active");
  });

  // https://docs.stripe.com/api/idempotent_requests: keys on GET and DELETE have no effect.
  it("ignores idempotency keys on DELETE: a repeat is executed, not replayed", async () => {
    const customer = await stripe.customers.create({});
    const [a, b] = [await monthlyPrice(100), await monthlyPrice(200)];
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: a.id }, { price: b.id }],
      collection_method: "send_invoice",
      days_until_due: 7,
    });
    const item = sub.items.data[0] as Stripe.SubscriptionItem;
    await stripe.subscriptionItems.del(item.id, {}, { idempotencyKey: "delete-once" });
    const error = await stripeError(
      stripe.subscriptionItems.del(item.id, {}, { idempotencyKey: "delete-once" }),
    );
    expect(error.statusCode).toBe(404);
    const deletes = emulator.requests.filter((r) => r.method === "DELETE");
    expect(deletes.map((r) => [r.replayed, r.idempotencyKey])).toEqual([
      [false, null],
      [false, null],
    ]);
  });
});

// https://docs.stripe.com/billing/subscriptions/billing-cycle
describe("billing cycle anchors", () => {
  it("bills the short first period up to the anchor prorated, then calendar months", async () => {
    emulator.clock.set(Date.parse("2026-11-16T00:00:00Z") / 1000);
    const december = Date.parse("2026-12-01T00:00:00Z") / 1000;
    const customer = await stripe.customers.create({});
    const price = await monthlyPrice(3000);
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id, quantity: 1 }],
      billing_cycle_anchor: december,
      proration_behavior: "create_prorations",
      collection_method: "send_invoice",
      days_until_due: 7,
      expand: ["latest_invoice"],
    });
    expect(sub.billing_cycle_anchor).toBe(december);
    const item = sub.items.data[0] as Stripe.SubscriptionItem;
    expect([item.current_period_start, item.current_period_end]).toEqual([
      Date.parse("2026-11-16T00:00:00Z") / 1000,
      december,
    ]);
    expect((sub.latest_invoice as Stripe.Invoice).total).toBe(1500); // 15 of November's 30 days
    // A removal 5 days later credits 10 of 30 days (not 10 of the short period's 15).
    emulator.clock.advance(5 * 86_400);
    await stripe.subscriptions.cancel(sub.id, { invoice_now: true, prorate: true });
    const invoices = await stripe.invoices.list({ subscription: sub.id });
    expect(invoices.data.map((i) => i.total).sort((a, b) => a - b)).toEqual([-1000, 1500]);
  });

  it("refuses an anchor in the past or beyond one period", async () => {
    emulator.clock.set(Date.parse("2026-11-16T00:00:00Z") / 1000);
    const customer = await stripe.customers.create({});
    const price = await monthlyPrice(3000);
    for (const anchor of ["2026-11-01T00:00:00Z", "2027-01-01T00:00:00Z"]) {
      const error = await stripeError(
        stripe.subscriptions.create({
          customer: customer.id,
          items: [{ price: price.id }],
          billing_cycle_anchor: Date.parse(anchor) / 1000,
        }),
      );
      expect(error.param).toBe("billing_cycle_anchor");
    }
  });
});

// https://docs.stripe.com/api/invoices/create_preview with
// https://docs.stripe.com/billing/subscriptions/prorations: the preview of an anchored
// subscription's next invoice carries the pending prorations of this short first period
// (prorated against the full month, not the short period) and the next calendar month.
describe("invoice preview of an anchored subscription", () => {
  it("holds the period's prorations and the next month, each with its period", async () => {
    emulator.clock.set(Date.parse("2026-11-10T00:00:00Z") / 1000);
    const december = Date.parse("2026-12-01T00:00:00Z") / 1000;
    const january = Date.parse("2027-01-01T00:00:00Z") / 1000;
    const customer = await stripe.customers.create({});
    const price = await monthlyPrice(3000);
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id, quantity: 1 }],
      billing_cycle_anchor: december,
      proration_behavior: "create_prorations",
      collection_method: "send_invoice",
      days_until_due: 7,
    });
    const item = sub.items.data[0] as Stripe.SubscriptionItem;
    // 10 days later, one more: 11 of November's 30 days remain.
    emulator.clock.advance(10 * 86_400);
    await stripe.subscriptionItems.update(item.id, {
      quantity: 2,
      proration_behavior: "create_prorations",
    });
    const preview = await stripe.invoices.createPreview({
      customer: customer.id,
      subscription: sub.id,
    });
    const lines = preview.lines.data.map((l) => [l.amount, l.period.start, l.period.end]);
    const nov20 = Date.parse("2026-11-20T00:00:00Z") / 1000;
    expect(lines).toEqual(
      expect.arrayContaining([
        [-1100, nov20, december], // unused time on 1 × 3000 for 11/30
        [2200, nov20, december], // remaining time on 2 × 3000 for 11/30
        [6000, december, january], // December in advance
      ]),
    );
    expect(preview.lines.data).toHaveLength(3);
    expect(preview.total).toBe(7100);
  });
});

// https://docs.stripe.com/api/customer_portal/sessions/create
describe("customer portal sessions", () => {
  it("needs an existing customer and returns a portal URL with the return_url", async () => {
    const customer = await stripe.customers.create({});
    const session = await stripe.billingPortal.sessions.create({
      customer: customer.id,
      return_url: "https://example.com/billing",
    });
    expect(session).toMatchObject({
      object: "billing_portal.session",
      customer: customer.id,
      return_url: "https://example.com/billing",
      livemode: false,
    });
    expect(session.url.startsWith(emulator.url)).toBe(true);

    const missing = await stripeError(
      // The SDK's types require customer; Stripe checks it too.
      stripe.billingPortal.sessions.create({ return_url: "https://example.com" } as never),
    );
    expect(missing.code).toBe("parameter_missing");
    expect(missing.param).toBe("customer");
    const unknown = await stripeError(
      stripe.billingPortal.sessions.create({ customer: "cus_nope" }),
    );
    expect(unknown.code).toBe("resource_missing");
    await stripe.customers.del(customer.id);
    const deleted = await stripeError(
      stripe.billingPortal.sessions.create({ customer: customer.id }),
    );
    expect(deleted.code).toBe("resource_missing");
  });
});

// Renewals when the clock (the emulator's test clock) passes a period end:
// https://docs.stripe.com/billing/subscriptions/billing-cycle (periods follow the anchor),
// https://docs.stripe.com/billing/invoices/subscription#sub-invoice-lifecycle (a draft,
// finalized about an hour later, then paid), https://docs.stripe.com/billing/subscriptions/prorations
// (pending prorations land on the next invoice), licensed in advance, metered in arrears.
const at = (iso: string) => Date.parse(iso) / 1000;

/** A customer whose card is its invoice default: renewals are paid. */
async function payingCustomer(): Promise<Stripe.Customer> {
  const customer = await stripe.customers.create({});
  const session = await stripe.checkout.sessions.create({
    mode: "setup",
    customer: customer.id,
    currency: "usd",
    success_url: "http://app.test/ok",
  });
  const done = emulator.completeCheckoutSession(session.id);
  const intent = await stripe.setupIntents.retrieve(done.setup_intent as string);
  return stripe.customers.update(customer.id, {
    invoice_settings: { default_payment_method: intent.payment_method as string },
  });
}

describe("renewals at period ends", () => {
  async function anchoredSubscription(customer: string, price: string, quantity = 1) {
    return stripe.subscriptions.create({
      customer,
      items: [{ price, quantity }],
      billing_cycle_anchor: at("2026-12-01T00:00:00Z"),
      proration_behavior: "create_prorations",
    });
  }

  it("creates the renewal as a draft with the period's prorations and the next month in advance, finalizes and pays it an hour later", async () => {
    emulator.clock.set(at("2026-11-10T00:00:00Z"));
    const customer = await payingCustomer();
    const price = await monthlyPrice(3000);
    const sub = await anchoredSubscription(customer.id, price.id);
    emulator.clock.set(at("2026-11-20T00:00:00Z"));
    await stripe.subscriptionItems.update(sub.items.data[0]?.id as string, {
      quantity: 2,
      proration_behavior: "create_prorations",
    });

    emulator.clock.set(at("2026-12-01T00:10:00Z"));
    const [draft] = (await stripe.invoices.list({ subscription: sub.id, status: "draft" })).data;
    if (!draft) throw new Error("no renewal draft");
    expect(draft.billing_reason).toBe("subscription_cycle");
    expect([draft.period_start, draft.period_end, draft.created]).toEqual([
      at("2026-11-10T00:00:00Z"),
      at("2026-12-01T00:00:00Z"),
      at("2026-12-01T00:00:00Z"),
    ]);
    expect([draft.number, draft.hosted_invoice_url, draft.invoice_pdf]).toEqual([null, null, null]);
    expect(draft.lines.data.map((l) => [l.amount, l.period.start, l.period.end])).toEqual([
      [-1100, at("2026-11-20T00:00:00Z"), at("2026-12-01T00:00:00Z")],
      [2200, at("2026-11-20T00:00:00Z"), at("2026-12-01T00:00:00Z")],
      [6000, at("2026-12-01T00:00:00Z"), at("2027-01-01T00:00:00Z")],
    ]);
    expect(draft.total).toBe(7100);
    const renewed = await stripe.subscriptions.retrieve(sub.id);
    expect([
      renewed.items.data[0]?.current_period_start,
      renewed.items.data[0]?.current_period_end,
    ]).toEqual([at("2026-12-01T00:00:00Z"), at("2027-01-01T00:00:00Z")]);
    expect(renewed.latest_invoice).toBe(draft.id);

    emulator.clock.set(at("2026-12-01T01:00:00Z"));
    const final = await stripe.invoices.retrieve(draft.id);
    expect(final.status).toBe("paid");
    expect(final.number).toBe(`${customer.invoice_prefix}-0002`); // -0001 is the first invoice
    expect(final.hosted_invoice_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/invoices\/in_/);
    expect(final.invoice_pdf).toMatch(/\/pdf$/);
    expect(final.status_transitions.finalized_at).toBe(at("2026-12-01T01:00:00Z"));
    const about = (type: string) =>
      emulator.events(type).filter((e) => (e.data.object as { id: string }).id === draft.id);
    expect(about("invoice.created")).toHaveLength(1);
    expect(about("invoice.finalized")).toHaveLength(1);
    expect(about("invoice.paid")).toHaveLength(1);
    // Webhook payloads are the invoice as it was at the event: the created one is a draft.
    expect((about("invoice.created")[0]?.data.object as Stripe.Invoice | undefined)?.status).toBe(
      "draft",
    );
  });

  it("runs each renewal of a clock that jumps several periods at its own instant, numbered in order", async () => {
    emulator.clock.set(at("2026-11-10T00:00:00Z"));
    const customer = await payingCustomer();
    const price = await monthlyPrice(3000);
    const sub = await anchoredSubscription(customer.id, price.id);
    emulator.clock.set(at("2027-02-15T00:00:00Z"));
    const renewals = (await stripe.invoices.list({ subscription: sub.id })).data
      .filter((i) => i.billing_reason === "subscription_cycle")
      .reverse();
    expect(renewals.map((i) => [i.period_start, i.period_end, i.status, i.total])).toEqual([
      [at("2026-11-10T00:00:00Z"), at("2026-12-01T00:00:00Z"), "paid", 3000],
      [at("2026-12-01T00:00:00Z"), at("2027-01-01T00:00:00Z"), "paid", 3000],
      [at("2027-01-01T00:00:00Z"), at("2027-02-01T00:00:00Z"), "paid", 3000],
    ]);
    expect(renewals.map((i) => i.number)).toEqual(
      [2, 3, 4].map((n) => `${customer.invoice_prefix}-000${n}`),
    );
  });

  it("a renewal nobody can pay fails its attempt and makes the subscription past_due", async () => {
    emulator.clock.set(at("2026-11-10T00:00:00Z"));
    const customer = await stripe.customers.create({});
    const price = await monthlyPrice(3000);
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      billing_cycle_anchor: at("2026-12-01T00:00:00Z"),
      payment_behavior: "default_incomplete",
    });
    emulator.dashboard.payInvoice(sub.latest_invoice as string);
    emulator.clock.set(at("2026-12-01T02:00:00Z"));
    const [renewal] = (await stripe.invoices.list({ subscription: sub.id, limit: 1 })).data;
    expect(renewal?.status).toBe("open");
    expect(renewal?.attempt_count).toBe(1);
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("past_due");
    expect(emulator.events("invoice.payment_failed")).toHaveLength(1);
  });

  it("cancel_at_period_end ends the subscription at the renewal, with no charge in advance", async () => {
    emulator.clock.set(at("2026-11-10T00:00:00Z"));
    const customer = await payingCustomer();
    const price = await monthlyPrice(3000);
    const sub = await anchoredSubscription(customer.id, price.id, 2);
    emulator.clock.set(at("2026-11-20T00:00:00Z"));
    await stripe.subscriptions.update(sub.id, {
      items: [{ id: sub.items.data[0]?.id as string, quantity: 1 }],
      cancel_at_period_end: true,
    });
    emulator.clock.set(at("2026-12-02T00:00:00Z"));
    const ended = await stripe.subscriptions.retrieve(sub.id);
    expect([ended.status, ended.ended_at]).toEqual(["canceled", at("2026-12-01T00:00:00Z")]);
    const [last] = (await stripe.invoices.list({ subscription: sub.id, limit: 1 })).data;
    expect(last?.lines.data.map((l) => l.amount)).toEqual([-2200, 1100]);
    expect(last?.status).toBe("paid"); // a credit: nothing due
  });

  it("bills metered usage of the closing period in arrears", async () => {
    emulator.clock.set(at("2026-11-10T00:00:00Z"));
    const customer = await payingCustomer();
    const meter = await stripe.billing.meters.create({
      display_name: "API calls",
      event_name: "api_call",
      default_aggregation: { formula: "sum" },
    });
    const price = await stripe.prices.create({
      currency: "usd",
      unit_amount: 2,
      product_data: { name: "Calls" },
      recurring: { interval: "month", usage_type: "metered", meter: meter.id },
    });
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      billing_cycle_anchor: at("2026-12-01T00:00:00Z"),
    });
    await stripe.billing.meterEvents.create({
      event_name: "api_call",
      payload: { stripe_customer_id: customer.id, value: "25" },
    });
    emulator.clock.set(at("2026-12-01T01:00:00Z"));
    const [renewal] = (await stripe.invoices.list({ subscription: sub.id, limit: 1 })).data;
    expect(renewal?.lines.data.map((l) => [l.amount, l.period.start, l.period.end])).toEqual([
      [50, at("2026-11-10T00:00:00Z"), at("2026-12-01T00:00:00Z")],
    ]);
  });
});

// https://docs.stripe.com/api/billing/meter, https://docs.stripe.com/api/billing/meter-event/create,
// https://docs.stripe.com/billing/subscriptions/usage-based/configure-grace-period
describe("billing meters and meter events (as Stripe documents them)", () => {
  async function meteredSetup(options: {
    formula: "sum" | "count" | "last";
    price?: Partial<Stripe.PriceCreateParams>;
    eventName?: string;
  }) {
    emulator.clock.set(at("2026-11-10T00:00:00Z"));
    const eventName = options.eventName ?? `ev_${options.formula}`;
    const meter = await stripe.billing.meters.create({
      display_name: eventName,
      event_name: eventName,
      default_aggregation: { formula: options.formula },
    });
    const price = await stripe.prices.create({
      currency: "usd",
      product_data: { name: eventName },
      recurring: { interval: "month", usage_type: "metered", meter: meter.id },
      ...(options.price ?? { unit_amount: 1 }),
    });
    const customer = await payingCustomer();
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      billing_cycle_anchor: at("2026-12-01T00:00:00Z"),
    });
    const send = (value: string, extra: Partial<Stripe.Billing.MeterEventCreateParams> = {}) =>
      stripe.billing.meterEvents.create({
        event_name: eventName,
        payload: { stripe_customer_id: customer.id, value },
        ...extra,
      });
    const previewTotal = async () =>
      (await stripe.invoices.createPreview({ subscription: sub.id })).total;
    return { meter, price, customer, sub, send, previewTotal };
  }

  it("creates, lists, retrieves, deactivates and reactivates meters; one active meter per event name", async () => {
    const meter = await stripe.billing.meters.create({
      display_name: "Runs",
      event_name: "runs",
      default_aggregation: { formula: "sum" },
    });
    expect(meter.customer_mapping).toEqual({
      event_payload_key: "stripe_customer_id",
      type: "by_id",
    });
    expect(meter.value_settings).toEqual({ event_payload_key: "value" });
    const twin = await stripeError(
      stripe.billing.meters.create({
        display_name: "Runs again",
        event_name: "runs",
        default_aggregation: { formula: "sum" },
      }),
    );
    expect(twin.param).toBe("event_name");
    expect((await stripe.billing.meters.retrieve(meter.id)).event_name).toBe("runs");

    const inactive = await stripe.billing.meters.deactivate(meter.id);
    expect(inactive.status).toBe("inactive");
    expect(inactive.status_transitions.deactivated_at).not.toBeNull();
    expect((await stripe.billing.meters.list({ status: "active" })).data).toHaveLength(0);
    expect((await stripe.billing.meters.list({ status: "inactive" })).data).toHaveLength(1);
    // A deactivated meter takes no events and no new prices.
    const customer = await stripe.customers.create({});
    const refused = await stripeError(
      stripe.billing.meterEvents.create({
        event_name: "runs",
        payload: { stripe_customer_id: customer.id, value: "1" },
      }),
    );
    expect(refused.param).toBe("event_name");
    const price = await stripeError(
      stripe.prices.create({
        currency: "usd",
        unit_amount: 1,
        product_data: { name: "Runs" },
        recurring: { interval: "month", usage_type: "metered", meter: meter.id },
      }),
    );
    expect(price.param).toBe("recurring[meter]");
    expect((await stripe.billing.meters.reactivate(meter.id)).status).toBe("active");
  });

  it("counts a reused identifier once within 24 h, and again after (uniqueness is only promised for 24 h)", async () => {
    const { send, previewTotal } = await meteredSetup({ formula: "sum" });
    await send("10", { identifier: "u1" });
    const repeat = await send("10", { identifier: "u1" });
    expect(repeat.identifier).toBe("u1");
    expect(emulator.state.meterEvents.filter((e) => e.identifier === "u1")).toHaveLength(1);
    expect(await previewTotal()).toBe(10);
    emulator.clock.advance(86_401);
    await send("10", { identifier: "u1", timestamp: at("2026-11-10T00:00:00Z") });
    expect(await previewTotal()).toBe(20);
  });

  it("takes timestamps within the past 35 days and at most 5 minutes ahead", async () => {
    const { send } = await meteredSetup({ formula: "sum" });
    const now = emulator.clock.now();
    await send("1", { timestamp: now + 300 });
    await send("1", { timestamp: now - 35 * 86_400 });
    for (const timestamp of [now + 301, now - 35 * 86_400 - 1]) {
      expect((await stripeError(send("1", { timestamp }))).param).toBe("timestamp");
    }
  });

  it("refuses a value that is not a whole number string and an event naming no customer", async () => {
    const { send, meter } = await meteredSetup({ formula: "sum" });
    for (const value of ["1.5", "-1", "ten", ""]) {
      expect((await stripeError(send(value))).param).toBe("payload[value]");
    }
    const orphan = await stripeError(
      stripe.billing.meterEvents.create({
        event_name: meter.event_name,
        payload: { stripe_customer_id: "cus_missing", value: "1" },
      }),
    );
    expect(orphan.param).toBe("payload[stripe_customer_id]");
  });

  it("aggregates with sum, count and last (the last by timestamp, not by arrival)", async () => {
    const sum = await meteredSetup({ formula: "sum", eventName: "s" });
    await sum.send("4");
    await sum.send("6");
    expect(await sum.previewTotal()).toBe(10);
    emulator.reset();
    const count = await meteredSetup({ formula: "count", eventName: "c" });
    await count.send("4");
    await count.send("6");
    expect(await count.previewTotal()).toBe(2);
    emulator.reset();
    const last = await meteredSetup({ formula: "last", eventName: "l" });
    const now = emulator.clock.now();
    await last.send("7", { timestamp: now });
    await last.send("9", { timestamp: now - 60 });
    expect(await last.previewTotal()).toBe(7);
  });

  it("prices the period's usage: graduated and volume tiers, packages rounded up, decimal unit amounts rounded once", async () => {
    const cases: [Partial<Stripe.PriceCreateParams>, string, number][] = [
      [
        {
          billing_scheme: "tiered",
          tiers_mode: "graduated",
          tiers: [
            { up_to: 10, unit_amount: 100 },
            { up_to: "inf", unit_amount: 50 },
          ],
        },
        "42",
        10 * 100 + 32 * 50,
      ],
      [
        {
          billing_scheme: "tiered",
          tiers_mode: "volume",
          tiers: [
            { up_to: 5, unit_amount: 1000 },
            { up_to: "inf", unit_amount: 800 },
          ],
        },
        "6",
        6 * 800,
      ],
      [{ unit_amount: 500, transform_quantity: { divide_by: 2, round: "up" } }, "3", 1000],
      [{ unit_amount_decimal: Stripe.Decimal.from("0.5") }, "31", 16],
    ];
    for (const [index, [price, usage, expected]] of cases.entries()) {
      emulator.reset();
      const setup = await meteredSetup({ formula: "sum", price, eventName: `p${index}` });
      await setup.send(usage);
      expect(await setup.previewTotal(), JSON.stringify(price)).toBe(expected);
    }
    const tiered = await stripeError(
      stripe.prices.create({
        currency: "usd",
        product_data: { name: "x" },
        billing_scheme: "tiered",
        tiers_mode: "graduated",
        tiers: [{ up_to: "inf", unit_amount: 1 }],
        transform_quantity: { divide_by: 2, round: "up" },
      }),
    );
    expect(tiered.param).toBe("transform_quantity");
  });

  it("bills usage reported during the renewal's grace hour on that renewal, and not usage reported after it finalized", async () => {
    const { send, sub } = await meteredSetup({ formula: "sum", price: { unit_amount: 2 } });
    await send("10");
    emulator.clock.set(at("2026-12-01T00:30:00Z"));
    await send("5", { timestamp: at("2026-11-30T23:59:00Z") });
    emulator.clock.set(at("2026-12-01T01:30:00Z"));
    await send("100", { timestamp: at("2026-11-30T23:59:30Z") });
    const [renewal] = (await stripe.invoices.list({ subscription: sub.id, limit: 1 })).data;
    expect(renewal?.status).toBe("paid");
    expect(renewal?.total).toBe(30);
  });
});
