import type { Engine, Route } from "../engine.js";
import { invalidRequest, ParamError, resourceMissing, StripeApiError } from "../errors.js";
import { paginate } from "../lists.js";
import type { Subscription } from "../objects.js";
import {
  arr,
  bool,
  emptyable,
  int,
  listShape,
  mergeMetadata,
  metadata,
  obj,
  oneOf,
  parseParams,
  required,
  str,
} from "../params.js";
import { periodEnd } from "../periods.js";
import { prorate } from "../pricing.js";
import { getCustomer } from "./customers.js";
import { buildInvoice, issueInvoice, periodLine } from "./invoices-model.js";
import {
  applyItemChanges,
  cancelSubscriptionNow,
  getSubscription,
  itemChangeShape,
  prorationShape,
  renderSubscription,
  syncItems,
  updateSubscription,
} from "./subscription-model.js";

const isMetered = (price: { recurring: { usage_type: string } | null }) =>
  price.recurring?.usage_type === "metered";

const createShape = {
  customer: required(str()),
  items: required(arr(itemChangeShape)),
  collection_method: oneOf("charge_automatically", "send_invoice"),
  days_until_due: int(0),
  metadata: metadata(),
  default_payment_method: str(),
  description: str(),
  cancel_at_period_end: bool(),
  trial_period_days: int(1, 730),
  billing_cycle_anchor: int(0),
  off_session: bool(),
  ...prorationShape,
};

const updateShape = {
  items: arr(itemChangeShape),
  collection_method: oneOf("charge_automatically", "send_invoice"),
  days_until_due: int(0),
  metadata: metadata(),
  default_payment_method: emptyable(str()),
  description: emptyable(str()),
  cancel_at_period_end: bool(),
  cancel_at: emptyable(int(0)),
  cancellation_details: obj({ comment: emptyable(str()), feedback: emptyable(str()) }),
  off_session: bool(),
  ...prorationShape,
};

export const subscriptionRoutes: Route[] = [
  {
    method: "POST",
    path: "/v1/subscriptions",
    write: true,
    handle: ({ engine, params, origin }) => {
      const p = parseParams(createShape, params);
      const customer = getCustomer(engine, p.customer, "customer");
      const collection = p.collection_method ?? "charge_automatically";
      if (collection === "send_invoice" && p.days_until_due === undefined) {
        throw new ParamError("Missing required param: days_until_due.", {
          code: "parameter_missing",
          param: "days_until_due",
        });
      }
      for (const [i, item] of p.items.entries()) {
        if (item.id !== undefined || item.deleted !== undefined) {
          throw new ParamError(
            `Received unknown parameter: items[${i}][${item.id === undefined ? "deleted" : "id"}]`,
            {
              code: "parameter_unknown",
              param: `items[${i}][${item.id === undefined ? "deleted" : "id"}]`,
            },
          );
        }
      }
      if (p.default_payment_method !== undefined) {
        const pm = engine.state.paymentMethods.get(p.default_payment_method);
        if (pm === undefined || pm.customer !== customer.id) {
          throw resourceMissing(
            "PaymentMethod",
            p.default_payment_method,
            "default_payment_method",
          );
        }
      }
      const now = engine.clock.now();
      const trialEnd = p.trial_period_days === undefined ? null : now + p.trial_period_days * 86400;
      const sub: Subscription = {
        id: engine.newId("sub"),
        object: "subscription",
        billing_cycle_anchor: p.billing_cycle_anchor ?? now,
        cancel_at: null,
        cancel_at_period_end: p.cancel_at_period_end ?? false,
        canceled_at: null,
        cancellation_details: { comment: null, feedback: null, reason: null },
        collection_method: collection,
        created: now,
        currency: "",
        customer: customer.id,
        days_until_due: p.days_until_due ?? null,
        default_payment_method: p.default_payment_method ?? null,
        description: p.description ?? null,
        discounts: [],
        ended_at: null,
        items: { object: "list", data: [], has_more: false, total_count: 0, url: "" },
        latest_invoice: null,
        livemode: false,
        metadata: mergeMetadata({}, p.metadata),
        pause_collection: null,
        payment_settings: { payment_method_types: null, save_default_payment_method: "off" },
        pending_update: null,
        schedule: null,
        start_date: now,
        status: "incomplete",
        test_clock: null,
        trial_end: trialEnd,
        trial_start: trialEnd === null ? null : now,
      };
      sub.items.url = `/v1/subscription_items?subscription=${sub.id}`;
      applyItemChanges(engine, sub, p.items, {});
      if (trialEnd !== null) {
        for (const item of sub.items.data) item.current_period_end = trialEnd;
      }
      const anchored = anchorFirstPeriod(engine, sub, p.billing_cycle_anchor);
      const chargeable =
        collection === "send_invoice" ||
        sub.default_payment_method !== null ||
        customer.invoice_settings.default_payment_method !== null;
      const period = {
        start: now,
        end: sub.items.data[0]?.current_period_end ?? now,
      };
      const lines = sub.items.data.map((item) => {
        const l = periodLine(engine, {
          price: item.price,
          quantity: trialEnd === null && !isMetered(item.price) ? (item.quantity ?? 0) : 0,
          subscription: sub.id,
          subscriptionItem: item.id,
          period,
        });
        // The short first period up to the anchor: prorated, or free with proration_behavior=none.
        if (anchored !== null) {
          l.amount =
            p.proration_behavior === "none"
              ? 0
              : prorate(l.amount, anchored.anchor - now, anchored.fullPeriod);
        }
        return l;
      });
      const invoice = buildInvoice(engine, {
        id: engine.newId("in"),
        customer: customer.id,
        subscription: sub,
        lines,
        billingReason: "subscription_create",
        period: { start: now, end: now },
        currency: sub.currency,
      });
      if (invoice.amount_due > 0 && !chargeable && p.payment_behavior === "error_if_incomplete") {
        throw new StripeApiError(
          "This customer has no attached payment source or default payment method.",
          {
            status: 402,
            type: "card_error",
            code: "resource_missing",
          },
        );
      }
      sub.latest_invoice = invoice.id;
      engine.state.subscriptions.set(sub.id, sub);
      syncItems(engine, sub, []);
      issueInvoice(engine, invoice, sub, origin);
      sub.status =
        trialEnd !== null
          ? "trialing"
          : invoice.status === "paid" || collection === "send_invoice"
            ? "active"
            : "incomplete";
      engine.recordEvent("customer.subscription.created", renderSubscription(engine, sub), origin);
      return renderSubscription(engine, sub);
    },
  },
  {
    method: "GET",
    path: "/v1/subscriptions/:id",
    write: false,
    handle: ({ engine, params, pathParams }) => {
      parseParams({}, params);
      return renderSubscription(engine, getSubscription(engine, pathParams.id as string));
    },
  },
  {
    method: "POST",
    path: "/v1/subscriptions/:id",
    write: true,
    handle: ({ engine, params, pathParams, origin }) => {
      const p = parseParams(updateShape, params);
      const sub = getSubscription(engine, pathParams.id as string);
      if (sub.status === "canceled" || sub.status === "incomplete_expired") {
        const allowed = new Set(["metadata", "cancellation_details", "expand"]);
        const other = Object.keys(params).find((k) => !allowed.has(k));
        if (other !== undefined) {
          throw invalidRequest(
            "A canceled subscription can only update its cancellation_details and metadata.",
            undefined,
            other,
          );
        }
      }
      if (p.default_payment_method !== undefined && p.default_payment_method !== null) {
        const pm = engine.state.paymentMethods.get(p.default_payment_method);
        if (pm === undefined || pm.customer !== sub.customer) {
          throw resourceMissing(
            "PaymentMethod",
            p.default_payment_method,
            "default_payment_method",
          );
        }
      }
      updateSubscription(
        engine,
        sub,
        p.items ?? [],
        {
          prorationBehavior: p.proration_behavior,
          prorationDate: p.proration_date,
          apply: (draft) => {
            draft.metadata = mergeMetadata(draft.metadata, p.metadata);
            if (p.collection_method !== undefined) draft.collection_method = p.collection_method;
            if (p.days_until_due !== undefined) draft.days_until_due = p.days_until_due;
            if (p.default_payment_method !== undefined)
              draft.default_payment_method = p.default_payment_method;
            if (p.description !== undefined) draft.description = p.description;
            if (p.cancel_at_period_end !== undefined)
              draft.cancel_at_period_end = p.cancel_at_period_end;
            if (p.cancel_at !== undefined) draft.cancel_at = p.cancel_at;
            if (p.cancellation_details !== undefined) {
              draft.cancellation_details = {
                ...draft.cancellation_details,
                ...(p.cancellation_details.comment === undefined
                  ? {}
                  : { comment: p.cancellation_details.comment }),
                ...(p.cancellation_details.feedback === undefined
                  ? {}
                  : { feedback: p.cancellation_details.feedback }),
              };
            }
          },
        },
        origin,
      );
      return renderSubscription(engine, sub);
    },
  },
  {
    method: "DELETE",
    path: "/v1/subscriptions/:id",
    write: true,
    handle: ({ engine, params, pathParams, origin }) => {
      const p = parseParams(
        {
          invoice_now: bool(),
          prorate: bool(),
          cancellation_details: obj({ comment: emptyable(str()), feedback: emptyable(str()) }),
        },
        params,
      );
      const sub = getSubscription(engine, pathParams.id as string);
      cancelSubscriptionNow(engine, sub, origin, {
        invoiceNow: p.invoice_now,
        prorate: p.prorate,
        comment: p.cancellation_details?.comment,
        feedback: p.cancellation_details?.feedback,
      });
      return renderSubscription(engine, sub);
    },
  },
  {
    method: "GET",
    path: "/v1/subscriptions",
    write: false,
    handle: ({ engine, params }) => {
      const p = parseParams(
        {
          ...listShape,
          customer: str(),
          price: str(),
          collection_method: oneOf("charge_automatically", "send_invoice"),
          status: oneOf(
            "active",
            "all",
            "canceled",
            "ended",
            "incomplete",
            "incomplete_expired",
            "past_due",
            "paused",
            "trialing",
            "unpaid",
          ),
        },
        params,
      );
      // By default Stripe lists the subscriptions that have not been canceled.
      const status = p.status;
      const all = [...engine.state.subscriptions.values()].filter(
        (s) =>
          (p.customer === undefined || s.customer === p.customer) &&
          (p.price === undefined || s.items.data.some((i) => i.price.id === p.price)) &&
          (p.collection_method === undefined || s.collection_method === p.collection_method) &&
          (status === "all" ||
            (status === undefined &&
              s.status !== "canceled" &&
              s.status !== "incomplete_expired") ||
            (status === "ended" &&
              (s.status === "canceled" || s.status === "incomplete_expired")) ||
            s.status === status),
      );
      const page = paginate(all, p, "/v1/subscriptions");
      return { ...page, data: page.data.map((s) => renderSubscription(engine, s)) };
    },
  },
];

/**
 * `billing_cycle_anchor` on create (https://docs.stripe.com/billing/subscriptions/billing-cycle):
 * a future timestamp no further out than one period; the first period runs from creation to the
 * anchor and is prorated (`proration_behavior: create_prorations`, the default) against a full
 * period, then periods follow the anchor in calendar terms (monthly: the 1st, when anchored there).
 */
function anchorFirstPeriod(
  engine: Engine,
  sub: Subscription,
  anchor: number | undefined,
): { anchor: number; fullPeriod: number } | null {
  if (anchor === undefined) return null;
  const now = engine.clock.now();
  const first = sub.items.data[0];
  const interval = first?.price.recurring?.interval ?? "month";
  const count = first?.price.recurring?.interval_count ?? 1;
  if (anchor <= now || anchor > periodEnd(now, interval, count)) {
    throw invalidRequest(
      "`billing_cycle_anchor` must be a timestamp in the future and no later than the end of the first full billing period.",
      undefined,
      "billing_cycle_anchor",
    );
  }
  const fullPeriod = anchor - periodEnd(anchor, interval, -count);
  for (const item of sub.items.data) {
    item.current_period_start = now;
    item.current_period_end = anchor;
  }
  sub.billing_cycle_anchor = anchor;
  return { anchor, fullPeriod };
}
