import { type Engine, NO_REQUEST, previousAttributes } from "./engine.js";
import { invalidRequest, resourceMissing } from "./errors.js";
import type { Invoice, Subscription } from "./objects.js";
import { mergeMetadata } from "./params.js";
import { getCustomer } from "./resources/customers.js";
import { markInvoicePaid } from "./resources/invoices-model.js";
import {
  cancelSubscriptionNow,
  getSubscription,
  type ProrationBehavior,
  renderSubscription,
  updateSubscription,
} from "./resources/subscription-model.js";

/**
 * Changes made "by someone in the Stripe dashboard" (or by Stripe itself), for drift and
 * webhook tests: they obey the same rules as the API and record the same events, but the
 * events carry `request.id: null` and no API request is logged.
 */
export function createDashboard(engine: Engine) {
  const itemFor = (sub: Subscription, itemOrPrice: string) => {
    const item = sub.items.data.find((i) => i.id === itemOrPrice || i.price.id === itemOrPrice);
    if (item === undefined) throw resourceMissing("subscription_item", itemOrPrice);
    return item;
  };
  const invoice = (id: string): Invoice => {
    const found = engine.state.invoices.get(id);
    if (found === undefined) throw resourceMissing("invoice", id);
    return found;
  };
  const setStatus = (sub: Subscription, status: Subscription["status"]) => {
    if (sub.status === status) return;
    const before = renderSubscription(engine, sub);
    sub.status = status;
    engine.recordEvent(
      "customer.subscription.updated",
      renderSubscription(engine, sub),
      NO_REQUEST,
      previousAttributes(before as never, renderSubscription(engine, sub) as never),
    );
  };

  return {
    /** Sets an item's quantity; the item is named by its id or its price id. */
    setItemQuantity(
      subscriptionId: string,
      itemOrPrice: string,
      quantity: number,
      proration: ProrationBehavior = "none",
    ) {
      const sub = getSubscription(engine, subscriptionId);
      const item = itemFor(sub, itemOrPrice);
      return updateSubscription(
        engine,
        sub,
        [{ id: item.id, quantity }],
        { prorationBehavior: proration },
        NO_REQUEST,
      );
    },
    addItem(
      subscriptionId: string,
      priceId: string,
      quantity = 1,
      proration: ProrationBehavior = "none",
    ) {
      const sub = getSubscription(engine, subscriptionId);
      return updateSubscription(
        engine,
        sub,
        [{ price: priceId, quantity }],
        { prorationBehavior: proration },
        NO_REQUEST,
      );
    },
    removeItem(subscriptionId: string, itemOrPrice: string, proration: ProrationBehavior = "none") {
      const sub = getSubscription(engine, subscriptionId);
      const item = itemFor(sub, itemOrPrice);
      return updateSubscription(
        engine,
        sub,
        [{ id: item.id, deleted: true }],
        { prorationBehavior: proration },
        NO_REQUEST,
      );
    },
    setSubscriptionMetadata(subscriptionId: string, metadata: Record<string, string>) {
      const sub = getSubscription(engine, subscriptionId);
      return updateSubscription(
        engine,
        sub,
        [],
        {
          apply: (d) => {
            d.metadata = mergeMetadata(d.metadata, metadata);
          },
        },
        NO_REQUEST,
      );
    },
    /** By hand (`cancellation_requested`), or as Stripe does when retries fail (`payment_failed`). */
    cancelSubscription(
      subscriptionId: string,
      options: { reason?: "cancellation_requested" | "payment_failed" } = {},
    ) {
      return cancelSubscriptionNow(
        engine,
        getSubscription(engine, subscriptionId),
        NO_REQUEST,
        options,
      );
    },
    setCustomerMetadata(customerId: string, metadata: Record<string, string>) {
      const customer = getCustomer(engine, customerId);
      const before = structuredClone(customer);
      customer.metadata = mergeMetadata(customer.metadata, metadata);
      engine.indexForSearch(customer.id);
      engine.recordEvent(
        "customer.updated",
        customer,
        NO_REQUEST,
        previousAttributes(before as never, customer as never),
      );
      return customer;
    },
    /** Payment succeeds: `invoice.paid`; an incomplete / past-due subscription becomes active. */
    payInvoice(invoiceId: string) {
      const inv = invoice(invoiceId);
      if (inv.status !== "open")
        throw invalidRequest(`Invoice ${invoiceId} is ${inv.status}, not open.`);
      markInvoicePaid(engine, inv, NO_REQUEST);
      const subId = inv.parent?.subscription_details.subscription;
      const sub = subId === undefined ? undefined : engine.state.subscriptions.get(subId);
      if (
        sub !== undefined &&
        (sub.status === "incomplete" || sub.status === "past_due" || sub.status === "unpaid")
      ) {
        setStatus(sub, "active");
      }
      return inv;
    },
    /** Payment fails: `invoice.payment_failed`; an active subscription becomes past_due. */
    failInvoicePayment(invoiceId: string) {
      const inv = invoice(invoiceId);
      if (inv.status !== "open")
        throw invalidRequest(`Invoice ${invoiceId} is ${inv.status}, not open.`);
      inv.attempted = true;
      inv.attempt_count += 1;
      engine.recordEvent("invoice.payment_failed", inv, NO_REQUEST);
      const subId = inv.parent?.subscription_details.subscription;
      const sub = subId === undefined ? undefined : engine.state.subscriptions.get(subId);
      if (sub !== undefined && sub.status === "active") setStatus(sub, "past_due");
      return inv;
    },
    /** Any status change Stripe might make on its own (e.g. `unpaid` after retries). */
    setSubscriptionStatus(subscriptionId: string, status: Subscription["status"]) {
      const sub = getSubscription(engine, subscriptionId);
      setStatus(sub, status);
      return sub;
    },
  };
}

export type Dashboard = ReturnType<typeof createDashboard>;
