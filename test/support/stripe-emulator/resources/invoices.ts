import type { Engine, Route } from "../engine.js";
import { invalidRequest, ParamError, resourceMissing } from "../errors.js";
import { paginate } from "../lists.js";
import type { InvoiceLine, Price, Subscription } from "../objects.js";
import { arr, bool, int, listShape, obj, oneOf, parseParams, str } from "../params.js";
import { periodEnd } from "../periods.js";
import { amountFor } from "../pricing.js";
import { getCustomer } from "./customers.js";
import { customerPendingLines } from "./invoice-items.js";
import { buildInvoice, line, productName } from "./invoices-model.js";
import { meteredUsage } from "./meters.js";
import {
  applyItemChanges,
  getSubscription,
  itemChangeShape,
  pendingLines,
} from "./subscription-model.js";

/**
 * `POST /v1/invoices/create_preview`: what the next invoice would be, without changing anything.
 *
 * Simplified against Stripe: for an existing subscription the preview is the invoice at the
 * end of the current period — pending prorations, the prorations this change implies (unless
 * `proration_behavior=none`), licensed items for the next period and metered usage for the
 * current one. With `always_invoice` it is the immediate invoice of the prorations alone. For
 * a new subscription it is the first invoice. No taxes, discounts, credits or customer balance.
 */
function preview(
  engine: Engine,
  p: {
    customer?: string;
    subscription?: string;
    subscription_details?: {
      items?: Parameters<typeof applyItemChanges>[2][number][];
      proration_behavior?: "create_prorations" | "none" | "always_invoice";
      proration_date?: number;
      cancel_now?: boolean;
    };
  },
) {
  const details = p.subscription_details ?? {};
  const now = engine.clock.now();
  const meteredLine = (
    sub: Subscription,
    price: Price,
    itemId: string,
    period: { start: number; end: number },
  ) => {
    const usage = meteredUsage(engine, price, sub.customer, period);
    return line(engine, {
      amount: amountFor(price, usage),
      currency: price.currency,
      description: `${usage} × ${productName(engine, price)} (usage)`,
      price,
      quantity: usage,
      proration: false,
      subscription: sub.id,
      subscriptionItem: itemId,
      invoiceItem: null,
      period,
    });
  };

  if (p.subscription !== undefined) {
    const stored = getSubscription(engine, p.subscription, "subscription");
    if (p.customer !== undefined && p.customer !== stored.customer) {
      throw invalidRequest(
        "The subscription does not belong to this customer.",
        undefined,
        "subscription",
      );
    }
    const draft = structuredClone(stored);
    const prorations = applyItemChanges(engine, draft, details.items ?? [], {
      prorationDate: details.proration_date,
      param: "subscription_details[items]",
    });
    const behavior = details.proration_behavior ?? "create_prorations";
    const prorationLines: InvoiceLine[] =
      behavior === "none"
        ? []
        : prorations.map((pr) =>
            line(engine, {
              amount: pr.amount,
              currency: pr.price.currency,
              description: pr.description,
              price: pr.price,
              quantity: pr.quantity,
              proration: true,
              subscription: draft.id,
              subscriptionItem: pr.subscriptionItem,
              invoiceItem: null,
              period: pr.period,
            }),
          );
    const pending = [
      ...pendingLines(engine, draft.id),
      ...customerPendingLines(engine, draft.customer, draft.currency),
    ].map((x) => x.line);
    if (behavior === "always_invoice") {
      return buildInvoice(engine, {
        id: `upcoming_${engine.newId("in")}`,
        customer: draft.customer,
        subscription: draft,
        lines: [...pending, ...prorationLines],
        billingReason: "subscription_update",
        period: { start: now, end: now },
        currency: draft.currency,
      });
    }
    const lines: InvoiceLine[] = [...pending, ...prorationLines];
    let periodStart = now;
    let periodEndAt = now;
    for (const item of draft.items.data) {
      const current = { start: item.current_period_start, end: item.current_period_end };
      periodStart = current.start;
      periodEndAt = current.end;
      const price = engine.state.prices.get(item.price.id) ?? item.price;
      if (price.recurring?.usage_type === "metered") {
        lines.push(meteredLine(draft, price, item.id, current));
        continue;
      }
      if (details.cancel_now === true) continue;
      const next = {
        start: current.end,
        end: periodEnd(
          current.end,
          price.recurring?.interval ?? "month",
          price.recurring?.interval_count ?? 1,
        ),
      };
      const amount = amountFor(price, item.quantity ?? 0);
      lines.push(
        line(engine, {
          amount,
          currency: price.currency,
          description: `${item.quantity ?? 0} × ${productName(engine, price)}`,
          price,
          quantity: item.quantity ?? 0,
          proration: false,
          subscription: draft.id,
          subscriptionItem: item.id,
          invoiceItem: null,
          period: next,
        }),
      );
    }
    return buildInvoice(engine, {
      id: `upcoming_${engine.newId("in")}`,
      customer: draft.customer,
      subscription: draft,
      lines,
      billingReason: "upcoming",
      period: { start: periodStart, end: periodEndAt },
      currency: draft.currency,
    });
  }

  if (p.customer === undefined) {
    throw new ParamError("Missing required param: customer or subscription.", {
      code: "parameter_missing",
      param: "customer",
    });
  }
  const customer = getCustomer(engine, p.customer, "customer");
  if (details.items === undefined || details.items.length === 0) {
    throw invalidRequest(
      "Nothing to invoice for customer: pass subscription_details[items] to preview a new subscription.",
      "invoice_upcoming_none",
    );
  }
  const draft: Subscription = {
    id: "",
    object: "subscription",
    billing_cycle_anchor: now,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, reason: null },
    collection_method: "charge_automatically",
    created: now,
    currency: "",
    customer: customer.id,
    days_until_due: null,
    default_payment_method: null,
    description: null,
    discounts: [],
    ended_at: null,
    items: { object: "list", data: [], has_more: false, url: "" },
    latest_invoice: null,
    livemode: false,
    metadata: {},
    pause_collection: null,
    payment_settings: { payment_method_types: null, save_default_payment_method: "off" },
    pending_update: null,
    schedule: null,
    start_date: now,
    status: "incomplete",
    test_clock: null,
    trial_end: null,
    trial_start: null,
  };
  applyItemChanges(engine, draft, details.items, { param: "subscription_details[items]" });
  const lines = draft.items.data.map((item) => {
    const price = item.price;
    const quantity = price.recurring?.usage_type === "metered" ? 0 : (item.quantity ?? 0);
    return line(engine, {
      amount: amountFor(price, quantity),
      currency: price.currency,
      description: `${quantity} × ${productName(engine, price)}`,
      price,
      quantity,
      proration: false,
      subscription: null,
      subscriptionItem: item.id,
      invoiceItem: null,
      period: { start: item.current_period_start, end: item.current_period_end },
    });
  });
  return buildInvoice(engine, {
    id: `upcoming_${engine.newId("in")}`,
    customer: customer.id,
    subscription: null,
    lines,
    billingReason: "subscription_create",
    period: { start: now, end: now },
    currency: draft.currency,
  });
}

export const invoiceRoutes: Route[] = [
  {
    method: "POST",
    path: "/v1/invoices/create_preview",
    write: false,
    handle: ({ engine, params }) => {
      const p = parseParams(
        {
          customer: str(),
          subscription: str(),
          subscription_details: obj({
            items: arr(itemChangeShape),
            proration_behavior: oneOf("create_prorations", "none", "always_invoice"),
            proration_date: int(0),
            cancel_now: bool(),
          }),
        },
        params,
      );
      return preview(engine, p);
    },
  },
  {
    method: "GET",
    path: "/v1/invoices/:id",
    write: false,
    handle: ({ engine, params, pathParams }) => {
      parseParams({}, params);
      const invoice = engine.state.invoices.get(pathParams.id as string);
      if (invoice === undefined) throw resourceMissing("invoice", pathParams.id as string);
      return structuredClone(invoice);
    },
  },
  {
    method: "GET",
    path: "/v1/invoices",
    write: false,
    handle: ({ engine, params }) => {
      const p = parseParams(
        {
          ...listShape,
          customer: str(),
          subscription: str(),
          status: oneOf("draft", "open", "paid", "uncollectible", "void"),
          collection_method: oneOf("charge_automatically", "send_invoice"),
          // https://docs.stripe.com/api/invoices/list#list_invoices-created
          created: obj({ gt: int(0), gte: int(0), lt: int(0), lte: int(0) }),
        },
        params,
      );
      const c = p.created ?? {};
      const all = [...engine.state.invoices.values()].filter(
        (i) =>
          (c.gt === undefined || i.created > c.gt) &&
          (c.gte === undefined || i.created >= c.gte) &&
          (c.lt === undefined || i.created < c.lt) &&
          (c.lte === undefined || i.created <= c.lte) &&
          (p.customer === undefined || i.customer === p.customer) &&
          (p.subscription === undefined ||
            i.parent?.subscription_details.subscription === p.subscription) &&
          (p.status === undefined || i.status === p.status) &&
          (p.collection_method === undefined || i.collection_method === p.collection_method),
      );
      return paginate(all, p, "/v1/invoices");
    },
  },
];
