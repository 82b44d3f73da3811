import type Stripe from "stripe";
import type { BillingAccountRow } from "../../db/billing-accounts.js";
import type { Database } from "../../db/database.js";
import { findStripeCustomerId } from "../../db/stripe-refs.js";
import type { Period } from "../../domain/billing-period.js";
import { fromStripeAmount } from "../../domain/money.js";
import type { RequestPacer } from "./request-pacer.js";
import { accountMetadataKey } from "./stripe-metadata.js";

/**
 * What Stripe charges the account for `period`, per catalog price (`graph/standard`), in ISO
 * minor units. Subscriptions are anchored to the calendar month, so the period's lines are: the
 * line of the invoice that opened it (a first, prorated period, or a renewal), the prorations of
 * its changes already invoiced (a final invoice), and those still pending, which Stripe's
 * preview of the subscription's next invoice carries (`invoices.createPreview`,
 * https://docs.stripe.com/api/invoices/create_preview). The preview's lines for the next period
 * lie outside `period` and are left out. A price is named by its `ktrlplane_price` metadata, or
 * by the catalog's `stripe_price_id`.
 */
export async function stripePeriodCharges(options: {
  stripe: Stripe;
  db: Database;
  pacer: RequestPacer;
  account: BillingAccountRow;
  period: Period;
  catalogPriceIds: Map<string, string>;
  priceKeys: Map<string, string>;
}): Promise<Map<string, number> | null> {
  const { stripe, pacer, account, period } = options;
  const customer = await findStripeCustomerId({ db: options.db, billingAccountId: account.id });
  if (!customer) return null;
  const start = period.start.getTime() / 1000;
  const end = period.end.getTime() / 1000;
  const lines: Stripe.InvoiceLineItem[] = [];
  const within = (line: Stripe.InvoiceLineItem) =>
    line.period.start >= start && line.period.end <= end;

  await pacer.wait();
  const subscriptions = (
    await stripe.subscriptions
      .list({ customer, status: "all", limit: 100 })
      .autoPagingToArray({ limit: 10_000 })
  ).filter((s) => s.metadata?.[accountMetadataKey] === account.id);
  const ours = new Set(subscriptions.map((s) => s.id));
  // Every page (the SDK's auto-pagination): an account with more than 100 invoices is read
  // whole. An invoice created before the period (a day's margin for Stripe's own delays) bills
  // nothing in it, so the read costs the period's invoices, not the account's history.
  await pacer.wait();
  for await (const invoice of stripe.invoices.list({
    customer,
    limit: 100,
    created: { gte: start - 86_400 },
  })) {
    const subscription = invoice.parent?.subscription_details?.subscription;
    // A renewal stays a draft for about an hour after the period ends
    // (https://docs.stripe.com/billing/invoices/subscription#sub-invoice-lifecycle); its lines
    // are already billed (the pending prorations moved onto it), so drafts count.
    if (invoice.status === "void") continue;
    if (typeof subscription !== "string" || !ours.has(subscription)) continue;
    let invoiceLines = invoice.lines.data;
    if (invoice.lines.has_more && invoice.id) {
      await pacer.wait();
      invoiceLines = await stripe.invoices
        .listLineItems(invoice.id, { limit: 100 })
        .autoPagingToArray({ limit: 10_000 });
    }
    lines.push(...invoiceLines.filter(within));
  }
  for (const subscription of subscriptions) {
    if (subscription.status === "canceled" || subscription.status === "incomplete_expired")
      continue;
    await pacer.wait();
    const preview = await stripe.invoices.createPreview({
      customer,
      subscription: subscription.id,
    });
    lines.push(...preview.lines.data.filter(within));
  }

  const charges = new Map<string, number>();
  for (const line of lines) {
    const priceId = line.pricing?.price_details?.price;
    const id = typeof priceId === "string" ? priceId : priceId?.id;
    if (!id) continue;
    const key = await priceKeyOf({ ...options, priceId: id });
    const amount = fromStripeAmount({ amount: line.amount, currency: line.currency });
    charges.set(key, (charges.get(key) ?? 0) + amount);
  }
  return charges;
}

async function priceKeyOf(options: {
  stripe: Stripe;
  pacer: RequestPacer;
  catalogPriceIds: Map<string, string>;
  priceKeys: Map<string, string>;
  priceId: string;
}): Promise<string> {
  const { priceId, priceKeys } = options;
  const known = options.catalogPriceIds.get(priceId) ?? priceKeys.get(priceId);
  if (known) return known;
  await options.pacer.wait();
  const price = await options.stripe.prices.retrieve(priceId);
  const key = price.metadata?.ktrlplane_price ?? priceId;
  priceKeys.set(priceId, key);
  return key;
}
