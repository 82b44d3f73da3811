import type { IncomingMessage, ServerResponse } from "node:http";
import { type Engine, NO_REQUEST, type Origin, type Route } from "../engine.js";
import { invalidRequest, ParamError, resourceMissing } from "../errors.js";
import { paginate } from "../lists.js";
import type { CheckoutSession, PaymentMethod, SetupIntent } from "../objects.js";
import { arr, listShape, metadata, obj, oneOf, parseParams, required, str } from "../params.js";
import { getCustomer } from "./customers.js";

/**
 * Checkout in `mode=setup` only: the session's `url` points at a page served by the emulator
 * (a browser test can press its button); `completeCheckoutSession` does the same from code.
 */
export function getCheckoutSession(engine: Engine, id: string): CheckoutSession {
  const session = engine.state.checkoutSessions.get(id);
  if (session === undefined) throw resourceMissing("checkout.session", id);
  return session;
}

/**
 * What a customer finishing the hosted page causes: a card payment method attached to the
 * customer, the setup intent succeeded (with `payment_method` and `customer`), the session
 * complete, and the events Stripe sends for it (`checkout.session.completed` last).
 *
 * Stripe does NOT make that card the customer's `invoice_settings.default_payment_method`: the
 * integration has to (https://docs.stripe.com/payments/save-and-reuse,
 * https://docs.stripe.com/payments/checkout/subscriptions/update-payment-details — "set it as
 * the default payment method ... using the Customer API"). So neither does the emulator.
 */
export function completeCheckoutSession(
  engine: Engine,
  id: string,
  origin: Origin = NO_REQUEST,
): CheckoutSession {
  const session = getCheckoutSession(engine, id);
  if (session.status !== "open") {
    throw invalidRequest(`Checkout session ${id} is ${session.status}, not open.`);
  }
  if (session.customer === null)
    throw invalidRequest("This emulator needs a customer on setup sessions.");
  const customer = getCustomer(engine, session.customer);
  const now = engine.clock.now();
  const pm: PaymentMethod = {
    id: engine.newId("pm"),
    object: "payment_method",
    billing_details: { address: null, email: customer.email, name: customer.name, phone: null },
    card: {
      brand: "visa",
      country: "US",
      exp_month: 12,
      exp_year: 2034,
      funding: "credit",
      last4: "4242",
    },
    created: now,
    customer: customer.id,
    livemode: false,
    metadata: {},
    type: "card",
  };
  engine.state.paymentMethods.set(pm.id, pm);
  engine.recordEvent("payment_method.attached", pm, origin);
  const intent =
    session.setup_intent === null ? undefined : engine.state.setupIntents.get(session.setup_intent);
  if (intent !== undefined) {
    intent.payment_method = pm.id;
    intent.customer = customer.id;
    intent.status = "succeeded";
    engine.recordEvent("setup_intent.succeeded", intent, origin);
  }
  session.status = "complete";
  engine.recordEvent("checkout.session.completed", session, origin);
  return session;
}

export const checkoutRoutes: Route[] = [
  {
    method: "POST",
    path: "/v1/checkout/sessions",
    write: true,
    handle: ({ engine, params }) => {
      const p = parseParams(
        {
          mode: required(oneOf("setup", "payment", "subscription")),
          customer: str(),
          success_url: str(),
          cancel_url: str(),
          currency: str(),
          client_reference_id: str(),
          metadata: metadata(),
          payment_method_types: arr(str()),
          setup_intent_data: obj({ metadata: metadata(), description: str() }),
        },
        params,
      );
      if (p.mode !== "setup") {
        throw new ParamError("This emulator supports Checkout in mode=setup only.", {
          param: "mode",
        });
      }
      if (p.customer === undefined) {
        throw new ParamError("This emulator needs `customer` for setup sessions.", {
          code: "parameter_missing",
          param: "customer",
        });
      }
      getCustomer(engine, p.customer, "customer");
      const now = engine.clock.now();
      const intent: SetupIntent = {
        id: engine.newId("seti"),
        object: "setup_intent",
        created: now,
        customer: p.customer,
        livemode: false,
        metadata: { ...(p.setup_intent_data?.metadata ?? {}) },
        payment_method: null,
        status: "requires_payment_method",
        usage: "off_session",
      };
      engine.state.setupIntents.set(intent.id, intent);
      const id = engine.newId("cs_test", 58);
      const session: CheckoutSession = {
        id,
        object: "checkout.session",
        cancel_url: p.cancel_url ?? null,
        client_reference_id: p.client_reference_id ?? null,
        created: now,
        currency: p.currency ?? null,
        customer: p.customer,
        expires_at: now + 24 * 3600,
        livemode: false,
        metadata: { ...(p.metadata ?? {}) },
        mode: "setup",
        payment_method_types: p.payment_method_types ?? ["card"],
        payment_status: "no_payment_required",
        setup_intent: intent.id,
        status: "open",
        success_url: p.success_url ?? null,
        url: `${engine.baseUrl}/checkout/${id}`,
      };
      engine.state.checkoutSessions.set(id, session);
      return structuredClone(session);
    },
  },
  {
    method: "GET",
    path: "/v1/checkout/sessions/:id",
    write: false,
    handle: ({ engine, params, pathParams }) => {
      parseParams({}, params);
      return structuredClone(getCheckoutSession(engine, pathParams.id as string));
    },
  },
  {
    method: "GET",
    path: "/v1/payment_methods/:id",
    write: false,
    handle: ({ engine, params, pathParams }) => {
      parseParams({}, params);
      const pm = engine.state.paymentMethods.get(pathParams.id as string);
      if (pm === undefined) throw resourceMissing("payment_method", pathParams.id as string);
      return structuredClone(pm);
    },
  },
  {
    method: "GET",
    path: "/v1/customers/:id/payment_methods",
    write: false,
    handle: ({ engine, params, pathParams }) => {
      const p = parseParams({ ...listShape, type: str() }, params);
      const customer = getCustomer(engine, pathParams.id as string);
      const all = [...engine.state.paymentMethods.values()].filter(
        (pm) => pm.customer === customer.id,
      );
      return paginate(all, p, `/v1/customers/${customer.id}/payment_methods`);
    },
  },
  {
    // https://docs.stripe.com/api/setup_intents/list — filterable by `customer`, newest first.
    method: "GET",
    path: "/v1/setup_intents",
    write: false,
    handle: ({ engine, params }) => {
      const p = parseParams({ ...listShape, customer: str(), payment_method: str() }, params);
      const all = [...engine.state.setupIntents.values()].filter(
        (i) =>
          (p.customer === undefined || i.customer === p.customer) &&
          (p.payment_method === undefined || i.payment_method === p.payment_method),
      );
      return paginate(all, p, "/v1/setup_intents");
    },
  },
  {
    method: "GET",
    path: "/v1/setup_intents/:id",
    write: false,
    handle: ({ engine, params, pathParams }) => {
      parseParams({}, params);
      const intent = engine.state.setupIntents.get(pathParams.id as string);
      if (intent === undefined) throw resourceMissing("setup_intent", pathParams.id as string);
      return structuredClone(intent);
    },
  },
];

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The hosted page: `GET /checkout/:id` shows a form, `POST /checkout/:id/complete` finishes it. */
export function checkoutPages(engine: Engine) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = new URL(req.url ?? "/", "http://emulator");
    const page = /^\/checkout\/([^/]+)(\/complete)?$/.exec(url.pathname);
    if (page === null) return false;
    const session = engine.state.checkoutSessions.get(page[1] ?? "");
    if (session === undefined) {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("No such checkout session");
      return true;
    }
    if (page[2] !== undefined && req.method === "POST") {
      if (session.status === "open") completeCheckoutSession(engine, session.id);
      // As Stripe does: the literal {CHECKOUT_SESSION_ID} in the return URL becomes the id.
      const location = (session.success_url ?? "/").replace("{CHECKOUT_SESSION_ID}", session.id);
      res.writeHead(303, { location });
      res.end();
      return true;
    }
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><html><head><title>Stripe emulator checkout</title></head><body>
<h1>Set up a payment method</h1><p>Session ${escapeHtml(session.id)} (${session.status})</p>
<form method="post" action="/checkout/${encodeURIComponent(session.id)}/complete">
<p>Card: 4242 4242 4242 4242</p><button type="submit" id="submit">Save card</button></form>
${session.cancel_url === null ? "" : `<a id="cancel" href="${escapeHtml(session.cancel_url)}">Cancel</a>`}
</body></html>`);
    return true;
  };
}
