import type { Engine, Origin } from "../engine.js";
import type { Invoice, InvoiceLine, Price, Subscription } from "../objects.js";
import { amountFor } from "../pricing.js";

/** Formats an amount like Stripe's line descriptions: `$10.00` (2-decimal currencies only). */
function money(amount: number, currency: string): string {
  return `${currency.toUpperCase()} ${(amount / 100).toFixed(2)}`;
}

export function productName(engine: Engine, price: Price): string {
  return engine.state.products.get(price.product)?.name ?? price.product;
}

/** A full-period line for `quantity` of a subscription item's price. */
export function periodLine(
  engine: Engine,
  args: {
    price: Price;
    quantity: number;
    subscription: string | null;
    subscriptionItem: string;
    period: { start: number; end: number };
  },
): InvoiceLine {
  const { price, quantity } = args;
  const amount = amountFor(price, quantity);
  const description =
    price.billing_scheme === "tiered"
      ? `${quantity} × ${productName(engine, price)} (tiered)`
      : `${quantity} × ${productName(engine, price)} (at ${money(price.unit_amount ?? 0, price.currency)} / ${price.recurring?.interval ?? "once"})`;
  return line(engine, {
    amount,
    currency: price.currency,
    description,
    price,
    quantity,
    proration: false,
    subscription: args.subscription,
    subscriptionItem: args.subscriptionItem,
    invoiceItem: null,
    period: args.period,
  });
}

export function line(
  engine: Engine,
  args: {
    amount: number;
    currency: string;
    description: string;
    price: Price;
    quantity: number;
    proration: boolean;
    subscription: string | null;
    subscriptionItem: string;
    invoiceItem: string | null;
    period: { start: number; end: number };
  },
): InvoiceLine {
  return {
    id: engine.newId("il"),
    object: "line_item",
    amount: args.amount,
    currency: args.currency,
    description: args.description,
    discount_amounts: [],
    discountable: !args.proration,
    discounts: [],
    invoice: null,
    livemode: false,
    metadata: {},
    parent: {
      type: "subscription_item_details",
      subscription_item_details: {
        invoice_item: args.invoiceItem,
        proration: args.proration,
        proration_details: { credited_items: null },
        subscription: args.subscription,
        subscription_item: args.subscriptionItem,
      },
      invoice_item_details: null,
    },
    period: args.period,
    pretax_credit_amounts: [],
    pricing: {
      type: "price_details",
      price_details: { price: args.price.id, product: args.price.product },
      unit_amount_decimal: args.price.unit_amount_decimal,
    },
    quantity: args.quantity,
    subtotal: args.amount,
    taxes: [],
  };
}

/** Builds an invoice object (not stored): totals are the sum of lines; no tax, no discounts. */
export function buildInvoice(
  engine: Engine,
  args: {
    id: string;
    customer: string;
    subscription: Subscription | null;
    lines: InvoiceLine[];
    billingReason: string | null;
    period: { start: number; end: number };
    currency: string;
  },
): Invoice {
  const total = args.lines.reduce((sum, l) => sum + l.amount, 0);
  for (const l of args.lines) l.invoice = args.id;
  const sub = args.subscription;
  return {
    id: args.id,
    object: "invoice",
    amount_due: Math.max(0, total),
    amount_paid: 0,
    amount_remaining: Math.max(0, total),
    attempt_count: 0,
    attempted: false,
    automatically_finalizes_at: null,
    billing_reason: args.billingReason,
    collection_method: sub?.collection_method ?? "charge_automatically",
    created: engine.clock.now(),
    currency: args.currency,
    customer: args.customer,
    default_payment_method: null,
    description: null,
    discounts: [],
    due_date: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    lines: {
      object: "list",
      data: args.lines,
      has_more: false,
      total_count: args.lines.length,
      url: `/v1/invoices/${args.id}/lines`,
    },
    livemode: false,
    metadata: {},
    number: null,
    parent:
      sub === null
        ? null
        : {
            type: "subscription_details",
            subscription_details: { metadata: { ...sub.metadata }, subscription: sub.id },
          },
    period_end: args.period.end,
    period_start: args.period.start,
    status: "draft",
    status_transitions: {
      finalized_at: null,
      marked_uncollectible_at: null,
      paid_at: null,
      voided_at: null,
    },
    subtotal: total,
    subtotal_excluding_tax: total,
    total,
    total_excluding_tax: total,
  };
}

/** Whether Stripe could charge this customer off-session right now. */
export function hasPaymentMethod(engine: Engine, sub: Subscription): boolean {
  if (sub.default_payment_method !== null) return true;
  return engine.state.customers.get(sub.customer)?.invoice_settings.default_payment_method != null;
}

/**
 * Stores, finalizes and (for charge_automatically with a payment method, or nothing due)
 * pays an invoice at once, as Stripe does for a subscription's first invoice and for
 * `always_invoice` / `invoice_now`: invoice.created / finalized / paid events.
 */
export function issueInvoice(
  engine: Engine,
  invoice: Invoice,
  sub: Subscription | null,
  origin: Origin,
): Invoice {
  engine.state.invoices.set(invoice.id, invoice);
  engine.recordEvent("invoice.created", invoice, origin);
  finalizeInvoice(engine, invoice, sub, engine.clock.now(), origin);
  return invoice;
}

/**
 * A draft becomes `open` (https://docs.stripe.com/invoicing/integration/workflow-transitions):
 * it gets its number (`<customer prefix>-0001`, from the customer's `next_invoice_sequence`),
 * its hosted page and its PDF — none of which a draft has
 * (https://docs.stripe.com/api/invoices/object#invoice_object-number) — then Stripe attempts
 * payment: `charge_automatically` with a payment method is paid (nothing due is paid too);
 * otherwise the invoice stays `open` (the caller says what a failed attempt does);
 * `send_invoice` waits `days_until_due`. Returns whether it was paid.
 */
export function finalizeInvoice(
  engine: Engine,
  invoice: Invoice,
  sub: Subscription | null,
  at: number,
  origin: Origin,
): boolean {
  const customer = engine.state.customers.get(invoice.customer);
  if (customer !== undefined) {
    invoice.number = `${customer.invoice_prefix}-${String(customer.next_invoice_sequence).padStart(4, "0")}`;
    customer.next_invoice_sequence += 1;
  }
  invoice.status = "open";
  invoice.automatically_finalizes_at = null;
  invoice.status_transitions.finalized_at = at;
  invoice.hosted_invoice_url = `${engine.baseUrl}/invoices/${invoice.id}`;
  invoice.invoice_pdf = `${engine.baseUrl}/invoices/${invoice.id}/pdf`;
  if (invoice.collection_method === "send_invoice") {
    invoice.due_date = at + 86400 * (sub?.days_until_due ?? 30);
  }
  engine.recordEvent("invoice.finalized", invoice, origin);
  const canCharge =
    invoice.collection_method === "charge_automatically" &&
    sub !== null &&
    hasPaymentMethod(engine, sub);
  if (invoice.amount_due !== 0 && !canCharge) return false;
  markInvoicePaid(engine, invoice, origin, at);
  return true;
}

export function markInvoicePaid(
  engine: Engine,
  invoice: Invoice,
  origin: Origin,
  at = engine.clock.now(),
): void {
  invoice.status = "paid";
  invoice.attempted = invoice.amount_due > 0;
  invoice.attempt_count += invoice.amount_due > 0 ? 1 : 0;
  invoice.amount_paid = invoice.amount_due;
  invoice.amount_remaining = 0;
  invoice.status_transitions.paid_at = at;
  engine.recordEvent("invoice.paid", invoice, origin);
  if (invoice.amount_due > 0) engine.recordEvent("invoice.payment_succeeded", invoice, origin);
}
