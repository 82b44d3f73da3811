import { type Engine, NO_REQUEST, previousAttributes } from "../engine.js";
import type { Invoice, InvoiceLine, Subscription, SubscriptionItem } from "../objects.js";
import { periodEnd } from "../periods.js";
import { amountFor } from "../pricing.js";
import { customerPendingLines } from "./invoice-items.js";
import { buildInvoice, finalizeInvoice, line, periodLine, productName } from "./invoices-model.js";
import { meteredUsage } from "./meters.js";
import {
  expireIncompleteSubscriptions,
  pendingLines,
  renderSubscription,
} from "./subscription-model.js";

/**
 * What the passing of the emulator clock causes, in the order Stripe would: renewals (with the
 * drafts they leave finalized an hour later), then the 23 h expiry of incomplete subscriptions.
 * The emulator clock plays the part of a Stripe test clock
 * (https://docs.stripe.com/billing/testing/test-clocks): advancing it past a period end runs
 * the renewal exactly as real time would. Applied lazily before every request and on `tick()`.
 */
export function applyElapsedTime(engine: Engine): void {
  const now = engine.clock.now();
  for (const sub of engine.state.subscriptions.values()) renewDuePeriods(engine, sub, now);
  finalizeDueDrafts(engine, now);
  expireIncompleteSubscriptions(engine);
}

/** Stripe keeps renewing a subscription whose payments fail (dunning decides its fate). */
const renewing = new Set<Subscription["status"]>(["active", "past_due", "unpaid"]);

/** Stripe finalizes a renewal's draft about an hour after `invoice.created`. */
export const RENEWAL_FINALIZES_AFTER_SECONDS = 3600;

/**
 * A subscription renews at the end of each period
 * (https://docs.stripe.com/billing/subscriptions/billing-cycle): its items move to the next
 * period, and Stripe creates the renewal invoice as a draft
 * (https://docs.stripe.com/billing/invoices/subscription#sub-invoice-lifecycle). That invoice
 * holds, by Stripe's rules for when each charge is billed
 * (https://docs.stripe.com/billing/subscriptions/usage-based/pricing-models and
 * https://docs.stripe.com/billing/subscriptions/prorations):
 * - the pending invoice items (the prorations `create_prorations` left in the closing period);
 * - metered usage of the closing period, in arrears;
 * - licensed items for the new period, in advance (none when the subscription ends here:
 *   `cancel_at_period_end` or a `cancel_at` reached, https://docs.stripe.com/billing/subscriptions/cancel).
 * Its `period_start`/`period_end` are the closing period (the period its items accrued in,
 * https://docs.stripe.com/api/invoices/object#invoice_object-period_start). A clock that jumps
 * several periods runs each renewal at its own instant.
 */
function renewDuePeriods(engine: Engine, sub: Subscription, now: number): void {
  for (;;) {
    const first = sub.items.data[0];
    if (!renewing.has(sub.status) || first === undefined) return;
    const boundary = first.current_period_end;
    if (boundary > now) return;
    // Drafts of earlier periods are finalized (and paid or failed) before this one is made.
    finalizeDueDrafts(engine, boundary);
    renewAt(engine, sub, first, boundary);
  }
}

function renewAt(engine: Engine, sub: Subscription, first: SubscriptionItem, at: number): void {
  const closing = { start: first.current_period_start, end: at };
  const next = { start: at, end: nextPeriodEnd(sub, first, at) };
  const ending = sub.cancel_at_period_end || (sub.cancel_at !== null && sub.cancel_at <= at);
  // The subscription's pending prorations, then the customer's own pending items (invoice-items.ts).
  const pending = [
    ...pendingLines(engine, sub.id),
    ...customerPendingLines(engine, sub.customer, sub.currency),
  ];
  const lines: InvoiceLine[] = pending.map((p) => p.line);
  for (const item of sub.items.data) {
    const price = engine.state.prices.get(item.price.id) ?? item.price;
    if (price.recurring?.usage_type === "metered") {
      const usage = meteredUsage(engine, price, sub.customer, closing);
      lines.push(
        line(engine, {
          amount: amountFor(price, usage),
          currency: price.currency,
          description: `${usage} × ${productName(engine, price)} (usage)`,
          price,
          quantity: usage,
          proration: false,
          subscription: sub.id,
          subscriptionItem: item.id,
          invoiceItem: null,
          period: closing,
        }),
      );
    } else if (!ending) {
      lines.push(
        periodLine(engine, {
          price,
          quantity: item.quantity ?? 0,
          subscription: sub.id,
          subscriptionItem: item.id,
          period: next,
        }),
      );
    }
  }
  const invoice = buildInvoice(engine, {
    id: engine.newId("in"),
    customer: sub.customer,
    subscription: sub,
    lines,
    billingReason: "subscription_cycle",
    period: closing,
    currency: sub.currency,
  });
  invoice.created = at;
  invoice.automatically_finalizes_at = at + RENEWAL_FINALIZES_AFTER_SECONDS;
  for (const p of pending) p.item.invoice = invoice.id;

  const before = renderSubscription(engine, sub);
  sub.latest_invoice = invoice.id;
  if (ending) {
    sub.status = "canceled";
    sub.canceled_at = sub.canceled_at ?? at;
    sub.ended_at = at;
  } else {
    for (const item of sub.items.data) {
      item.current_period_start = next.start;
      item.current_period_end = next.end;
    }
  }
  engine.state.invoices.set(invoice.id, invoice);
  engine.recordEvent("invoice.created", invoice, NO_REQUEST);
  const after = renderSubscription(engine, sub);
  if (ending) engine.recordEvent("customer.subscription.deleted", after, NO_REQUEST);
  else
    engine.recordEvent(
      "customer.subscription.updated",
      after,
      NO_REQUEST,
      previousAttributes(before as never, after as never),
    );
}

/** The period end after `at`, counted from the anchor, so a 31st anchor survives February. */
function nextPeriodEnd(sub: Subscription, item: SubscriptionItem, at: number): number {
  const interval = item.price.recurring?.interval ?? "month";
  const count = item.price.recurring?.interval_count ?? 1;
  for (let k = 1; ; k++) {
    const end = periodEnd(sub.billing_cycle_anchor, interval, k * count);
    if (end > at) return end;
  }
}

/**
 * A renewal draft's metered lines take the usage reported until it finalizes: "During the
 * finalization grace period, you can continue to report usage for the previous billing period.
 * During finalization, Stripe updates the invoice to reflect the latest quantity"
 * (https://docs.stripe.com/billing/subscriptions/usage-based/configure-grace-period). The
 * totals follow the lines.
 */
function refreshMeteredLines(engine: Engine, invoice: Invoice, sub: Subscription): void {
  for (const l of invoice.lines.data) {
    const details = l.parent?.subscription_item_details;
    const priceId = l.pricing?.price_details?.price;
    if (!details || details.proration || priceId === undefined) continue;
    const price = engine.state.prices.get(priceId);
    if (price?.recurring?.usage_type !== "metered") continue;
    const usage = meteredUsage(engine, price, sub.customer, l.period);
    l.quantity = usage;
    l.amount = amountFor(price, usage);
    l.subtotal = l.amount;
    l.description = `${usage} × ${productName(engine, price)} (usage)`;
  }
  const total = invoice.lines.data.reduce((sum, l) => sum + l.amount, 0);
  invoice.subtotal = total;
  invoice.subtotal_excluding_tax = total;
  invoice.total = total;
  invoice.total_excluding_tax = total;
  invoice.amount_due = Math.max(0, total);
  invoice.amount_remaining = Math.max(0, total);
}

/**
 * Renewal drafts whose hour has passed are finalized, oldest first, and Stripe attempts payment
 * (https://docs.stripe.com/invoicing/integration/workflow-transitions). A failed attempt is
 * `invoice.payment_failed` and makes an active subscription `past_due`; a paid one brings a
 * past-due subscription back to `active` (https://docs.stripe.com/billing/subscriptions/overview#payment-status).
 */
function finalizeDueDrafts(engine: Engine, until: number): void {
  const due = [...engine.state.invoices.values()]
    .filter(
      (i): i is Invoice & { automatically_finalizes_at: number } =>
        i.status === "draft" &&
        i.automatically_finalizes_at !== null &&
        i.automatically_finalizes_at <= until,
    )
    .sort((a, b) => a.automatically_finalizes_at - b.automatically_finalizes_at);
  for (const invoice of due) {
    const subId = invoice.parent?.subscription_details.subscription;
    const sub = subId === undefined ? null : (engine.state.subscriptions.get(subId) ?? null);
    const at = invoice.automatically_finalizes_at;
    if (sub !== null) refreshMeteredLines(engine, invoice, sub);
    const paid = finalizeInvoice(engine, invoice, sub, at, NO_REQUEST);
    if (sub === null || invoice.collection_method !== "charge_automatically") continue;
    if (!paid) {
      invoice.attempted = true;
      invoice.attempt_count += 1;
      engine.recordEvent("invoice.payment_failed", invoice, NO_REQUEST);
    }
    const status = paid ? "active" : "past_due";
    if ((paid && sub.status === "past_due") || (!paid && sub.status === "active")) {
      const before = renderSubscription(engine, sub);
      sub.status = status;
      const after = renderSubscription(engine, sub);
      engine.recordEvent(
        "customer.subscription.updated",
        after,
        NO_REQUEST,
        previousAttributes(before as never, after as never),
      );
    }
  }
}
