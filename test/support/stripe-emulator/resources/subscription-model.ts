import { type Engine, NO_REQUEST, type Origin, previousAttributes } from "../engine.js";
import { invalidRequest, ParamError, resourceMissing, StripeApiError } from "../errors.js";
import type { InvoiceItem, Price, Subscription, SubscriptionItem } from "../objects.js";
import { bool, int, mergeMetadata, metadata, obj, oneOf, str } from "../params.js";
import { periodEnd } from "../periods.js";
import { amountFor, prorate } from "../pricing.js";
import { customerPendingLines } from "./invoice-items.js";
import { buildInvoice, issueInvoice, line, productName } from "./invoices-model.js";
import { getPrice } from "./prices.js";

/**
 * The rules of a subscription's items, shared by the subscription and subscription item
 * endpoints, invoice previews and the dashboard helpers.
 */

/** Stripe's hard limit on items per subscription. */
export const MAX_ITEMS = 20;

export type ProrationBehavior = "create_prorations" | "none" | "always_invoice";

export interface ItemChange {
  id?: string;
  price?: string;
  quantity?: number;
  deleted?: boolean;
  metadata?: Record<string, string> | null;
  clear_usage?: boolean;
}

/** One proration: a credit for unused time on the old state, or a charge for the new one. */
export interface Proration {
  subscriptionItem: string;
  price: Price;
  quantity: number;
  amount: number;
  description: string;
  period: { start: number; end: number };
}

export const itemChangeShape = obj({
  id: str(),
  price: str(),
  quantity: int(0),
  deleted: bool(),
  metadata: metadata(),
  clear_usage: bool(),
});

export const prorationShape = {
  proration_behavior: oneOf("create_prorations", "none", "always_invoice"),
  proration_date: int(0),
  payment_behavior: oneOf(
    "allow_incomplete",
    "default_incomplete",
    "error_if_incomplete",
    "pending_if_incomplete",
  ),
};

export function getSubscription(engine: Engine, id: string, param?: string): Subscription {
  const sub = engine.state.subscriptions.get(id);
  if (sub === undefined) throw resourceMissing("subscription", id, param);
  return sub;
}

/** The legacy `plan` view of a price that Stripe still embeds in subscription items. */
function planFor(price: Price): Record<string, unknown> {
  return {
    id: price.id,
    object: "plan",
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: price.billing_scheme,
    created: price.created,
    currency: price.currency,
    interval: price.recurring?.interval ?? null,
    interval_count: price.recurring?.interval_count ?? null,
    livemode: false,
    metadata: price.metadata,
    meter: price.recurring?.meter ?? null,
    nickname: price.nickname,
    product: price.product,
    tiers_mode: price.tiers_mode,
    transform_usage: null,
    trial_period_days: null,
    usage_type: price.recurring?.usage_type ?? "licensed",
  };
}

/** A subscription as the API answers it: items carry the prices as they are now. */
export function renderSubscription(engine: Engine, sub: Subscription): Subscription {
  const out = structuredClone(sub);
  for (const item of out.items.data) {
    const price = engine.state.prices.get(item.price.id);
    if (price !== undefined) {
      item.price = structuredClone(price);
      item.plan = planFor(price);
    }
  }
  return out;
}

export function renderItem(engine: Engine, item: SubscriptionItem): SubscriptionItem {
  const out = structuredClone(item);
  const price = engine.state.prices.get(item.price.id);
  if (price !== undefined) {
    out.price = structuredClone(price);
    out.plan = planFor(price);
  }
  return out;
}

const isMetered = (price: Price) => price.recurring?.usage_type === "metered";

/**
 * Applies item changes to `sub.items` (the subscription may be a clone, for previews) with
 * Stripe's rules: items by id must belong to the subscription, one item per price, metered
 * prices take no quantity, at least one and at most 20 items. Returns the prorations the
 * changes imply; the caller decides what to do with them.
 */
export function applyItemChanges(
  engine: Engine,
  sub: Subscription,
  changes: readonly ItemChange[],
  options: { prorationDate?: number; param?: string },
): Proration[] {
  // Item endpoints (`/v1/subscription_items`) name their parameters at the top level.
  const param = options.param ?? "items";
  const field = (index: number, name: string) =>
    param === "" || param === "id" ? name : `${param}[${index}][${name}]`;
  const now = engine.clock.now();
  const prorations: Proration[] = [];
  const items = sub.items.data;
  const prorationDate = options.prorationDate ?? now;

  const usable = (priceId: string, at: string): Price => {
    const price = getPrice(engine, priceId, at);
    if (price.type !== "recurring") {
      throw invalidRequest(
        `The price specified is set to \`type=one_time\` but this field only accepts prices with \`type=recurring\`.`,
        undefined,
        at,
      );
    }
    if (!price.active) {
      throw invalidRequest(
        "The price specified is inactive. This field only accepts active prices.",
        undefined,
        at,
      );
    }
    if (sub.currency !== "" && price.currency !== sub.currency) {
      throw invalidRequest(
        `The price specified uses currency \`${price.currency}\`, which doesn't match the subscription's currency \`${sub.currency}\`.`,
        undefined,
        at,
      );
    }
    return price;
  };
  const checkQuantity = (price: Price, quantity: number | undefined, at: string) => {
    // `at` is the quantity parameter's name.
    if (isMetered(price) && quantity !== undefined) {
      throw invalidRequest(
        "Quantity should not be specified where usage_type is `metered`. Remove quantity from the request.",
        undefined,
        at,
      );
    }
  };
  const prorationFor = (item: SubscriptionItem, price: Price, quantity: number, sign: 1 | -1) => {
    if (isMetered(price)) return;
    const start = item.current_period_start;
    const end = item.current_period_end;
    const from = Math.min(Math.max(prorationDate, start), end);
    const amount = sign * prorate(amountFor(price, quantity), end - from, fullPeriodOf(sub, item));
    if (amount === 0) return;
    prorations.push({
      subscriptionItem: item.id,
      price,
      quantity,
      amount,
      description: `${sign < 0 ? "Unused" : "Remaining"} time on ${quantity} × ${productName(engine, price)} after ${new Date(from * 1000).toISOString().slice(0, 10)}`,
      period: { start: from, end },
    });
  };

  changes.forEach((change, index) => {
    const at = (name: string) => field(index, name);
    if (change.id !== undefined) {
      const item = items.find((i) => i.id === change.id);
      if (item === undefined) {
        throw invalidRequest(
          `No such subscription item: '${change.id}'`,
          "resource_missing",
          at("id"),
        );
      }
      const oldPrice = engine.state.prices.get(item.price.id) ?? item.price;
      const oldQuantity = item.quantity ?? 0;
      if (change.deleted === true) {
        prorationFor(item, oldPrice, oldQuantity, -1);
        items.splice(items.indexOf(item), 1);
        return;
      }
      const newPrice = change.price === undefined ? oldPrice : usable(change.price, at("price"));
      checkQuantity(newPrice, change.quantity, at("quantity"));
      if (
        newPrice.id !== oldPrice.id &&
        items.some((i) => i !== item && i.price.id === newPrice.id)
      ) {
        throw duplicatePrice(newPrice.id, at("price"));
      }
      const newQuantity = isMetered(newPrice) ? undefined : (change.quantity ?? item.quantity ?? 1);
      if (newPrice.id !== oldPrice.id || newQuantity !== item.quantity) {
        prorationFor(item, oldPrice, oldQuantity, -1);
        prorationFor(item, newPrice, newQuantity ?? 0, 1);
      }
      item.price = structuredClone(newPrice);
      item.plan = planFor(newPrice);
      if (newQuantity === undefined) delete item.quantity;
      else item.quantity = newQuantity;
      item.metadata = mergeMetadata(item.metadata, change.metadata);
      return;
    }
    if (change.deleted === true) {
      throw new ParamError("`deleted` requires the item's `id`.", { param: at("deleted") });
    }
    if (change.price === undefined) {
      throw new ParamError(`Missing required param: ${at("price")}.`, {
        code: "parameter_missing",
        param: at("price"),
      });
    }
    const price = usable(change.price, at("price"));
    checkQuantity(price, change.quantity, at("quantity"));
    if (items.some((i) => i.price.id === price.id)) throw duplicatePrice(price.id, at("price"));
    if (sub.currency === "") sub.currency = price.currency;
    const start = items[0]?.current_period_start ?? now;
    const item: SubscriptionItem = {
      id: engine.newId("si", 14),
      object: "subscription_item",
      billing_thresholds: null,
      created: now,
      current_period_end:
        items[0]?.current_period_end ??
        periodEnd(
          start,
          price.recurring?.interval ?? "month",
          price.recurring?.interval_count ?? 1,
        ),
      current_period_start: start,
      discounts: [],
      metadata: mergeMetadata({}, change.metadata),
      plan: planFor(price),
      price: structuredClone(price),
      ...(isMetered(price) ? {} : { quantity: change.quantity ?? 1 }),
      subscription: sub.id,
      tax_rates: [],
    };
    items.push(item);
    if (sub.status !== "incomplete" && engine.state.subscriptions.has(sub.id)) {
      prorationFor(item, price, item.quantity ?? 0, 1);
    }
  });

  if (items.length > MAX_ITEMS) {
    throw invalidRequest(
      `A subscription can have at most ${MAX_ITEMS} items; this request would leave ${items.length}.`,
      undefined,
      param === "" ? undefined : param,
    );
  }
  if (items.length === 0) {
    throw invalidRequest(
      "A subscription must have at least one active plan. To cancel a subscription, please use the cancel API endpoint on /v1/subscriptions.",
      undefined,
      param === "" ? undefined : param,
    );
  }
  sub.items.total_count = items.length;
  return prorations;
}

function duplicatePrice(priceId: string, param: string): StripeApiError {
  return invalidRequest(
    `Cannot add multiple subscription items with the same price: ${priceId}`,
    undefined,
    param,
  );
}

/** Keeps `state.subscriptionItems` in step with the items held by a subscription. */
export function syncItems(engine: Engine, sub: Subscription, before: readonly string[]): void {
  for (const id of before) engine.state.subscriptionItems.delete(id);
  for (const item of sub.items.data) engine.state.subscriptionItems.set(item.id, item);
}

/** Stores prorations as pending invoice items, as `create_prorations` does. */
export function storeProrations(
  engine: Engine,
  sub: Subscription,
  prorations: readonly Proration[],
): InvoiceItem[] {
  return prorations.map((p) => {
    const item: InvoiceItem = {
      id: engine.newId("ii"),
      object: "invoiceitem",
      amount: p.amount,
      currency: p.price.currency,
      customer: sub.customer,
      date: engine.clock.now(),
      description: p.description,
      invoice: null,
      livemode: false,
      metadata: {},
      parent: {
        type: "subscription_details",
        subscription_details: { subscription: sub.id, subscription_item: p.subscriptionItem },
      },
      period: p.period,
      pricing: {
        type: "price_details",
        price_details: { price: p.price.id, product: p.price.product },
        unit_amount_decimal: p.price.unit_amount_decimal,
      },
      proration: true,
      quantity: p.quantity,
    };
    engine.state.invoiceItems.set(item.id, item);
    return item;
  });
}

/** Pending invoice items of a subscription, as invoice lines. */
export function pendingLines(engine: Engine, subId: string) {
  const lines = [];
  for (const ii of engine.state.invoiceItems.values()) {
    const details = ii.parent?.subscription_details;
    if (ii.invoice !== null || details?.subscription !== subId || ii.pricing === null) continue;
    const price = engine.state.prices.get(ii.pricing.price_details.price);
    if (price === undefined) continue;
    lines.push({
      item: ii,
      line: line(engine, {
        amount: ii.amount,
        currency: ii.currency,
        description: ii.description,
        price,
        quantity: ii.quantity,
        proration: ii.proration,
        subscription: subId,
        subscriptionItem: details.subscription_item,
        invoiceItem: ii.id,
        period: ii.period,
      }),
    });
  }
  return lines;
}

/** Invoices every pending invoice item of the subscription now (`always_invoice`, `invoice_now`). */
function invoicePending(engine: Engine, sub: Subscription, reason: string, origin: Origin): void {
  const pending = [
    ...pendingLines(engine, sub.id),
    ...customerPendingLines(engine, sub.customer, sub.currency),
  ];
  if (pending.length === 0) return;
  const now = engine.clock.now();
  const invoice = buildInvoice(engine, {
    id: engine.newId("in"),
    customer: sub.customer,
    subscription: sub,
    lines: pending.map((p) => p.line),
    billingReason: reason,
    period: { start: now, end: now },
    currency: sub.currency,
  });
  for (const p of pending) p.item.invoice = invoice.id;
  issueInvoice(engine, invoice, sub, origin);
  sub.latest_invoice = invoice.id;
}

/** Counts quantity-changing updates per subscription: Stripe allows 200 per hour. */
const quantityUpdates = new WeakMap<Subscription, number[]>();

function checkQuantityRate(engine: Engine, sub: Subscription): void {
  const limit = engine.options.quantityUpdatesPerHour;
  if (limit === undefined) return;
  const nowMs = engine.clock.nowMs();
  const recent = (quantityUpdates.get(sub) ?? []).filter((t) => nowMs - t < 3_600_000);
  if (recent.length >= limit) {
    throw new StripeApiError(
      `This subscription has been updated too many times: at most ${limit} quantity updates per hour are allowed.`,
      { code: "rate_limit", headers: { "stripe-should-retry": "false" } },
    );
  }
  recent.push(nowMs);
  quantityUpdates.set(sub, recent);
}

export interface UpdateOptions {
  prorationBehavior?: ProrationBehavior;
  prorationDate?: number;
  param?: string;
  /** Other field changes, applied after the items. */
  apply?: (sub: Subscription) => void;
}

/**
 * Shared by `POST /v1/subscriptions/:id`, the subscription item endpoints and the dashboard
 * helpers: validates, applies, handles prorations and records `customer.subscription.updated`
 * with `previous_attributes`. All or nothing: a rejected change leaves the subscription as it was.
 */
export function updateSubscription(
  engine: Engine,
  sub: Subscription,
  changes: readonly ItemChange[],
  options: UpdateOptions,
  origin: Origin,
): Subscription {
  if (changes.length > 0) refuseItemChangesWhileIncomplete(sub, options.param);
  const before = structuredClone(sub);
  const draft = structuredClone(sub);
  const prorations =
    changes.length === 0
      ? []
      : applyItemChanges(engine, draft, changes, {
          prorationDate: options.prorationDate,
          param: options.param,
        });
  options.apply?.(draft);
  const quantityChanged =
    JSON.stringify(before.items.data.map((i) => [i.id, i.price.id, i.quantity])) !==
    JSON.stringify(draft.items.data.map((i) => [i.id, i.price.id, i.quantity]));
  if (quantityChanged) checkQuantityRate(engine, sub);

  Object.assign(sub, draft);
  syncItems(
    engine,
    sub,
    before.items.data.map((i) => i.id),
  );
  const behavior = options.prorationBehavior ?? "create_prorations";
  if (behavior !== "none" && prorations.length > 0) {
    storeProrations(engine, sub, prorations);
    if (behavior === "always_invoice") invoicePending(engine, sub, "subscription_update", origin);
  }
  const previous = previousAttributes(
    renderSubscription(engine, before) as never,
    renderSubscription(engine, sub) as never,
  );
  if (Object.keys(previous).length > 0) {
    engine.recordEvent(
      "customer.subscription.updated",
      renderSubscription(engine, sub),
      origin,
      previous,
    );
  }
  return sub;
}

export function cancelSubscriptionNow(
  engine: Engine,
  sub: Subscription,
  origin: Origin,
  options: {
    invoiceNow?: boolean;
    prorate?: boolean;
    comment?: string | null;
    feedback?: string | null;
    /** Stripe's own cancellations say why: `payment_failed` when dunning gives up. */
    reason?: "cancellation_requested" | "payment_failed" | "payment_disputed";
  },
): Subscription {
  if (sub.status === "canceled" || sub.status === "incomplete_expired") {
    throw invalidRequest(`This subscription has already been canceled: ${sub.id}`, undefined, "id");
  }
  const now = engine.clock.now();
  if (options.prorate === true) {
    const credits: Proration[] = [];
    for (const item of sub.items.data) {
      if (isMetered(item.price)) continue;
      const amount = -prorate(
        amountFor(item.price, item.quantity ?? 0),
        item.current_period_end - now,
        fullPeriodOf(sub, item),
      );
      if (amount !== 0) {
        credits.push({
          subscriptionItem: item.id,
          price: item.price,
          quantity: item.quantity ?? 0,
          amount,
          description: `Unused time on ${item.quantity ?? 0} × ${productName(engine, item.price)}`,
          period: { start: now, end: item.current_period_end },
        });
      }
    }
    storeProrations(engine, sub, credits);
  }
  if (options.invoiceNow === true) invoicePending(engine, sub, "subscription_cycle", origin);
  sub.status = "canceled";
  sub.canceled_at = now;
  sub.ended_at = now;
  sub.cancel_at_period_end = false;
  sub.cancellation_details = {
    comment: options.comment ?? null,
    feedback: options.feedback ?? null,
    reason: options.reason ?? "cancellation_requested",
  };
  engine.recordEvent("customer.subscription.deleted", renderSubscription(engine, sub), origin);
  return sub;
}

/**
 * An `incomplete` subscription waits for its first payment: Stripe refuses changes that would
 * invoice (items, quantities) until then; only fields like metadata and the default payment
 * method can change (https://docs.stripe.com/billing/subscriptions/overview#payment-status).
 * The message paraphrases Stripe's.
 */
function refuseItemChangesWhileIncomplete(sub: Subscription, param: string | undefined): void {
  if (sub.status !== "incomplete") return;
  throw invalidRequest(
    `This subscription (${sub.id}) is \`incomplete\`: its items cannot be changed until the first invoice is paid. Only metadata and payment settings can be updated while a subscription is incomplete.`,
    "subscription_incomplete",
    param === undefined || param === "" ? "items" : param,
  );
}

/** Seconds an `incomplete` subscription waits for its first payment before it expires. */
export const INCOMPLETE_EXPIRY_SECONDS = 23 * 3600;

/**
 * "If the first invoice is not paid within 23 hours, the subscription transitions to
 * `incomplete_expired`. This is a terminal state, the open invoice will be voided and no further
 * invoices will be generated." (https://docs.stripe.com/billing/subscriptions/overview#payment-status)
 * Evaluated lazily against the emulator clock before each request and on `emulator.tick()`.
 */
export function expireIncompleteSubscriptions(engine: Engine): void {
  const now = engine.clock.now();
  for (const sub of engine.state.subscriptions.values()) {
    if (sub.status !== "incomplete" || now < sub.created + INCOMPLETE_EXPIRY_SECONDS) continue;
    const before = renderSubscription(engine, sub);
    sub.status = "incomplete_expired";
    sub.ended_at = sub.created + INCOMPLETE_EXPIRY_SECONDS;
    const invoice =
      typeof sub.latest_invoice === "string"
        ? engine.state.invoices.get(sub.latest_invoice)
        : undefined;
    if (invoice !== undefined && invoice.status === "open") {
      invoice.status = "void";
      invoice.status_transitions.voided_at = now;
      engine.recordEvent("invoice.voided", invoice, NO_REQUEST);
    }
    engine.recordEvent(
      "customer.subscription.updated",
      renderSubscription(engine, sub),
      NO_REQUEST,
      previousAttributes(before as never, renderSubscription(engine, sub) as never),
    );
  }
}

/**
 * The length prorations divide by: the item's period, except in the short first period of an
 * anchored subscription, which is a part of a full period (https://docs.stripe.com/billing/subscriptions/billing-cycle).
 */
export function fullPeriodOf(sub: Subscription, item: SubscriptionItem): number {
  const start = item.current_period_start;
  const end = item.current_period_end;
  if (sub.billing_cycle_anchor <= sub.created || end !== sub.billing_cycle_anchor)
    return end - start;
  const recurring = item.price.recurring;
  return end - periodEnd(end, recurring?.interval ?? "month", -(recurring?.interval_count ?? 1));
}
