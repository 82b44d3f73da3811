import type { Engine, Route } from "../engine.js";
import { invalidRequest, ParamError } from "../errors.js";
import { paginate } from "../lists.js";
import type { InvoiceItem, InvoiceLine } from "../objects.js";
import { bool, int, listShape, metadata, obj, parseParams, required, str } from "../params.js";
import { getCustomer } from "./customers.js";

/**
 * A customer's own invoice items, charges (positive) or credits (negative) created with an
 * `amount` rather than a price (https://docs.stripe.com/api/invoiceitems/create). Without an
 * `invoice` they stay pending and "will be on the next invoice created for the customer": Stripe
 * keeps them to be billed "at the end of a regular billing cycle" together with the subscription
 * (https://docs.stripe.com/api/invoiceitems). So they join the next renewal invoice or invoice of
 * pending items (see renewals.ts, subscription-model.ts) and show on `invoices.createPreview`.
 * Stricter than Stripe: `invoice` (adding to a given draft), `price`/`pricing` and `quantity` are
 * not modelled and refused; the item's currency must be the customer's subscription currency when
 * it is invoiced (an item in another currency stays pending).
 */
export const invoiceItemRoutes: Route[] = [
  {
    method: "POST",
    path: "/v1/invoiceitems",
    write: true,
    handle: ({ engine, params, origin }) => {
      const p = parseParams(
        {
          customer: required(str()),
          amount: required(int()),
          currency: required(str()),
          description: str(),
          metadata: metadata(),
          period: obj({ start: required(int(0)), end: required(int(0)) }),
        },
        params,
      );
      getCustomer(engine, p.customer, "customer");
      if (!/^[a-z]{3}$/.test(p.currency))
        throw new ParamError(`Invalid currency: ${p.currency}`, { param: "currency" });
      if (p.period && p.period.end < p.period.start)
        throw invalidRequest("The period end must not precede its start.", undefined, "period");
      const now = engine.clock.now();
      const item: InvoiceItem = {
        id: engine.newId("ii"),
        object: "invoiceitem",
        amount: p.amount,
        currency: p.currency,
        customer: p.customer,
        date: now,
        description: p.description ?? "",
        invoice: null,
        livemode: false,
        metadata: p.metadata ?? {},
        parent: null,
        period: p.period ?? { start: now, end: now },
        pricing: null,
        proration: false,
        quantity: 1,
      };
      engine.state.invoiceItems.set(item.id, item);
      engine.recordEvent("invoiceitem.created", item, origin);
      return structuredClone(item);
    },
  },
  {
    method: "GET",
    path: "/v1/invoiceitems",
    write: false,
    handle: ({ engine, params }) => {
      // https://docs.stripe.com/api/invoiceitems/list: by customer, pending or not, created.
      const p = parseParams(
        {
          ...listShape,
          customer: str(),
          pending: bool(),
          created: obj({ gt: int(0), gte: int(0), lt: int(0), lte: int(0) }),
        },
        params,
      );
      const c = p.created ?? {};
      const all = [...engine.state.invoiceItems.values()].filter(
        (ii) =>
          (c.gt === undefined || ii.date > c.gt) &&
          (c.gte === undefined || ii.date >= c.gte) &&
          (c.lt === undefined || ii.date < c.lt) &&
          (c.lte === undefined || ii.date <= c.lte) &&
          (p.customer === undefined || ii.customer === p.customer) &&
          (p.pending === undefined || (ii.invoice === null) === p.pending),
      );
      return paginate(all, p, "/v1/invoiceitems");
    },
  },
];

/** The customer's pending items in `currency`, as lines of the invoice that takes them. */
export function customerPendingLines(
  engine: Engine,
  customer: string,
  currency: string,
): { item: InvoiceItem; line: InvoiceLine }[] {
  const lines = [];
  for (const ii of engine.state.invoiceItems.values()) {
    if (ii.invoice !== null || ii.parent !== null || ii.customer !== customer) continue;
    if (ii.currency !== currency) continue;
    lines.push({
      item: ii,
      line: {
        id: engine.newId("il"),
        object: "line_item" as const,
        amount: ii.amount,
        currency: ii.currency,
        description: ii.description,
        discount_amounts: [],
        discountable: true,
        discounts: [],
        invoice: null,
        livemode: false as const,
        metadata: { ...ii.metadata },
        parent: {
          type: "invoice_item_details" as const,
          subscription_item_details: null,
          invoice_item_details: {
            invoice_item: ii.id,
            proration: false,
            proration_details: { credited_items: null },
            subscription: null,
          },
        },
        period: { ...ii.period },
        pretax_credit_amounts: [],
        pricing: null,
        quantity: ii.quantity,
        subtotal: ii.amount,
        taxes: [],
      },
    });
  }
  return lines;
}
