import { type Engine, previousAttributes, type Route } from "../engine.js";
import { invalidRequest, resourceMissing } from "../errors.js";
import { paginate } from "../lists.js";
import type { Customer } from "../objects.js";
import {
  anything,
  arr,
  emptyable,
  int,
  listShape,
  mergeMetadata,
  metadata,
  obj,
  parseParams,
  required,
  str,
} from "../params.js";
import { compileQuery } from "../search.js";
import { cancelSubscriptionNow } from "./subscription-model.js";

const invoiceSettings = obj({
  default_payment_method: emptyable(str()),
  custom_fields: anything(),
  footer: str(),
  rendering_options: anything(),
});

const writableShape = {
  name: emptyable(str()),
  email: emptyable(str()),
  description: emptyable(str()),
  phone: emptyable(str()),
  metadata: metadata(),
  address: anything(),
  preferred_locales: arr(str()),
  invoice_settings: invoiceSettings,
};

export function getCustomer(engine: Engine, id: string, param?: string): Customer {
  const customer = engine.state.customers.get(id);
  if (customer === undefined) throw resourceMissing("customer", id, param);
  return customer;
}

function checkPaymentMethod(engine: Engine, customerId: string, pm: string | null | undefined) {
  if (pm === null || pm === undefined) return;
  const method = engine.state.paymentMethods.get(pm);
  if (method === undefined) {
    throw resourceMissing("PaymentMethod", pm, "invoice_settings[default_payment_method]");
  }
  if (method.customer !== customerId) {
    throw invalidRequest(
      `The customer does not have a payment method with the ID ${pm}. The payment method must be attached to the customer.`,
      "resource_missing",
      "invoice_settings[default_payment_method]",
    );
  }
}

export const customerRoutes: Route[] = [
  {
    method: "POST",
    path: "/v1/customers",
    write: true,
    handle: ({ engine, params, origin }) => {
      const p = parseParams({ ...writableShape, payment_method: str() }, params);
      const now = engine.clock.now();
      const customer: Customer = {
        id: engine.newId("cus", 14),
        object: "customer",
        address: p.address ?? null,
        balance: 0,
        created: now,
        currency: null,
        default_source: null,
        delinquent: false,
        description: p.description ?? null,
        email: p.email ?? null,
        invoice_prefix: engine.newId("X", 6).slice(2).toUpperCase(),
        invoice_settings: {
          custom_fields: null,
          default_payment_method: null,
          footer: null,
          rendering_options: null,
        },
        livemode: false,
        metadata: mergeMetadata({}, p.metadata),
        name: p.name ?? null,
        next_invoice_sequence: 1,
        phone: p.phone ?? null,
        preferred_locales: p.preferred_locales ?? [],
        shipping: null,
        tax_exempt: "none",
        test_clock: null,
      };
      if (p.payment_method !== undefined) {
        const pm = engine.state.paymentMethods.get(p.payment_method);
        if (pm === undefined)
          throw resourceMissing("PaymentMethod", p.payment_method, "payment_method");
        pm.customer = customer.id;
      }
      checkPaymentMethod(engine, customer.id, p.invoice_settings?.default_payment_method);
      customer.invoice_settings.default_payment_method =
        p.invoice_settings?.default_payment_method ?? null;
      engine.state.customers.set(customer.id, customer);
      engine.indexForSearch(customer.id);
      engine.recordEvent("customer.created", customer, origin);
      return structuredClone(customer);
    },
  },
  {
    method: "GET",
    path: "/v1/customers/search",
    write: false,
    handle: ({ engine, params }) => {
      const p = parseParams({ query: required(str()), limit: int(1, 100), page: str() }, params);
      const matches = compileQuery(p.query, ["email", "name", "phone", "metadata", "created"]);
      const now = engine.clock.nowMs();
      const found = [...engine.state.customers.values()]
        .filter((c) => (engine.state.searchVisibleAt.get(c.id) ?? 0) <= now)
        .filter((c) =>
          matches((field, key) => {
            if (field === "metadata") return key === undefined ? undefined : c.metadata[key];
            return c[field as "email" | "name" | "phone" | "created"];
          }),
        )
        .reverse();
      const offset = p.page === undefined ? 0 : Number(p.page);
      const limit = p.limit ?? 10;
      const data = found.slice(offset, offset + limit);
      const hasMore = offset + limit < found.length;
      return {
        object: "search_result",
        data: structuredClone(data),
        has_more: hasMore,
        next_page: hasMore ? String(offset + limit) : null,
        url: "/v1/customers/search",
      };
    },
  },
  {
    method: "GET",
    path: "/v1/customers/:id",
    write: false,
    handle: ({ engine, params, pathParams }) => {
      parseParams({}, params);
      const id = pathParams.id as string;
      if (engine.state.deleted.get(id) === "customer") {
        return { id, object: "customer", deleted: true };
      }
      return structuredClone(getCustomer(engine, id));
    },
  },
  {
    method: "POST",
    path: "/v1/customers/:id",
    write: true,
    handle: ({ engine, params, pathParams, origin }) => {
      const p = parseParams(writableShape, params);
      const customer = getCustomer(engine, pathParams.id as string);
      const before = structuredClone(customer);
      if (p.name !== undefined) customer.name = p.name;
      if (p.email !== undefined) customer.email = p.email;
      if (p.description !== undefined) customer.description = p.description;
      if (p.phone !== undefined) customer.phone = p.phone;
      if (p.address !== undefined) customer.address = p.address;
      if (p.preferred_locales !== undefined) customer.preferred_locales = p.preferred_locales;
      customer.metadata = mergeMetadata(customer.metadata, p.metadata);
      const pm = p.invoice_settings?.default_payment_method;
      if (pm !== undefined) {
        checkPaymentMethod(engine, customer.id, pm);
        customer.invoice_settings.default_payment_method = pm;
      }
      engine.indexForSearch(customer.id);
      const previous = previousAttributes(before as never, customer as never);
      if (Object.keys(previous).length > 0) {
        engine.recordEvent("customer.updated", customer, origin, previous);
      }
      return structuredClone(customer);
    },
  },
  {
    method: "DELETE",
    path: "/v1/customers/:id",
    write: true,
    handle: ({ engine, params, pathParams, origin }) => {
      parseParams({}, params);
      const customer = getCustomer(engine, pathParams.id as string);
      // Deleting a customer cancels its subscriptions immediately, as on Stripe.
      for (const sub of engine.state.subscriptions.values()) {
        if (sub.customer === customer.id && sub.status !== "canceled") {
          cancelSubscriptionNow(engine, sub, origin, {});
        }
      }
      engine.state.customers.delete(customer.id);
      engine.state.deleted.set(customer.id, "customer");
      engine.recordEvent("customer.deleted", customer, origin);
      return { id: customer.id, object: "customer", deleted: true };
    },
  },
  {
    method: "GET",
    path: "/v1/customers",
    write: false,
    handle: ({ engine, params }) => {
      const p = parseParams({ ...listShape, email: str(), created: anything() }, params);
      const all = [...engine.state.customers.values()].filter(
        (c) => p.email === undefined || c.email === p.email,
      );
      return paginate(all, p, "/v1/customers");
    },
  },
];
