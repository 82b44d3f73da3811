import type Stripe from "stripe";
import type { BillingAccountRow } from "../../db/billing-accounts.js";
import type { Database } from "../../db/database.js";
import { findStripeCustomerId } from "../../db/stripe-refs.js";
import { fromStripeAmount } from "../../domain/money.js";
import type { PriceBook } from "../../domain/price-versions.js";
import type { ProviderInvoice, ProviderPriceRef } from "../billing-provider.js";
import type { RequestPacer } from "./request-pacer.js";
import { adjustmentLineRef } from "./stripe-adjustment-items.js";
import { accountMetadataKey } from "./stripe-metadata.js";

/** Stripe price id → the catalog price it stands for (null: not ours); prices never change. */
export type PriceRefCache = Map<string, ProviderPriceRef | null>;

interface Reading {
  stripe: Stripe;
  pacer: RequestPacer;
  prices: PriceBook;
  cache: PriceRefCache;
}

/**
 * One invoice as Stripe holds it now (https://docs.stripe.com/api/invoices/retrieve); null when
 * Stripe has none by that id (a deleted draft's `invoice.deleted`): nothing to record.
 */
export async function readStripeInvoice(
  options: Reading & { invoiceId: string },
): Promise<ProviderInvoice | null> {
  await options.pacer.wait();
  let invoice: Stripe.Invoice;
  try {
    invoice = await options.stripe.invoices.retrieve(options.invoiceId);
  } catch (error) {
    if ((error as { code?: string }).code === "resource_missing") return null;
    throw error;
  }
  return toProviderInvoice({ ...options, invoice });
}

/**
 * The account's customer's invoices created since `since`, newest first, every page
 * (https://docs.stripe.com/api/invoices/list, `created[gte]`): a bounded look back, so a pass
 * costs what the recent months hold, not the account's whole history.
 */
export async function readStripeInvoices(
  options: Reading & { db: Database; account: BillingAccountRow; since: Date },
): Promise<ProviderInvoice[]> {
  const customer = await findStripeCustomerId({
    db: options.db,
    billingAccountId: options.account.id,
  });
  if (!customer) return [];
  const found: ProviderInvoice[] = [];
  let startingAfter: string | undefined;
  for (;;) {
    await options.pacer.wait();
    const page = await options.stripe.invoices.list({
      customer,
      created: { gte: Math.floor(options.since.getTime() / 1000) },
      limit: 100,
      ...(startingAfter ? { starting_after: startingAfter } : {}),
    });
    for (const invoice of page.data) found.push(await toProviderInvoice({ ...options, invoice }));
    startingAfter = page.data.at(-1)?.id;
    if (!page.has_more || !startingAfter) return found;
  }
}

async function toProviderInvoice(
  options: Reading & { invoice: Stripe.Invoice },
): Promise<ProviderInvoice> {
  const { invoice } = options;
  const currency = invoice.currency;
  let lines = invoice.lines.data;
  if (invoice.lines.has_more && invoice.id) {
    lines = [];
    for await (const line of options.stripe.invoices.listLineItems(invoice.id, { limit: 100 }))
      lines.push(line);
  }
  const converted: ProviderInvoice["lines"] = [];
  for (const line of lines) {
    const priceId = line.pricing?.price_details?.price;
    const id = typeof priceId === "string" ? priceId : priceId?.id;
    // An item carrying a ledger adjustment line counts where that line is (stripe-adjustment-items.ts).
    const adjustment = adjustmentLineRef(line.metadata);
    converted.push({
      id: line.id,
      price: adjustment?.price ?? (id ? await priceRefOf({ ...options, priceId: id }) : null),
      service: adjustment?.service ?? {
        start: fromUnix(line.period.start),
        end: fromUnix(line.period.end),
      },
      amount: fromStripeAmount({ amount: line.amount, currency }),
      proration:
        line.parent?.subscription_item_details?.proration ??
        line.parent?.invoice_item_details?.proration ??
        false,
    });
  }
  const finalizedAt = invoice.status_transitions?.finalized_at;
  return {
    id: invoice.id ?? "",
    billingAccountId:
      invoice.parent?.subscription_details?.metadata?.[accountMetadataKey] ?? undefined,
    number: invoice.number ?? null,
    status: invoice.status ?? "draft",
    hosted_invoice_url: invoice.hosted_invoice_url ?? null,
    invoice_pdf: invoice.invoice_pdf ?? null,
    currency,
    total: fromStripeAmount({ amount: invoice.total, currency }),
    period: { start: fromUnix(invoice.period_start), end: fromUnix(invoice.period_end) },
    billing_reason: invoice.billing_reason ?? null,
    finalized_at: finalizedAt ? fromUnix(finalizedAt) : null,
    lines: converted,
  };
}

/**
 * A catalog `stripe_price_id` names its version in the catalog; a price the reconciler created
 * carries `ktrlplane_price` and `ktrlplane_price_version` metadata (see stripe-prices.ts).
 */
async function priceRefOf(
  options: Reading & { priceId: string },
): Promise<ProviderPriceRef | null> {
  const { priceId, cache } = options;
  const known = cache.get(priceId);
  if (known !== undefined) return known;
  for (const versions of options.prices.values()) {
    for (const v of versions) {
      if (v.price.stripe_price_id === priceId) {
        const ref = {
          resource_type: v.price.resource_type,
          sku: v.price.sku,
          price_version: v.version,
        };
        cache.set(priceId, ref);
        return ref;
      }
    }
  }
  await options.pacer.wait();
  const price = await options.stripe.prices.retrieve(priceId);
  const [resource_type, sku] = (price.metadata?.ktrlplane_price ?? "").split("/");
  const version = Number(price.metadata?.ktrlplane_price_version ?? "1");
  const ref =
    resource_type && sku && Number.isInteger(version)
      ? { resource_type, sku, price_version: version }
      : null;
  cache.set(priceId, ref);
  return ref;
}

function fromUnix(seconds: number): Date {
  return new Date(seconds * 1000);
}
