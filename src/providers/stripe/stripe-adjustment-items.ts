import type Stripe from "stripe";
import type { Database } from "../../db/database.js";
import {
  type PendingLine,
  pendingStripeLines,
  recordAdjustmentItem,
} from "../../db/stripe-adjustment-items.js";
import { toStripeAmount } from "../../domain/money.js";
import type { DriftEntry } from "../billing-provider.js";
import type { RequestPacer } from "./request-pacer.js";
import { accountMetadataKey } from "./stripe-metadata.js";

/** Metadata of an adjustment item: which ledger line it carries, and what that line bills. */
export const adjustmentMetadata = {
  invoice: "ktrlplane_invoice",
  line: "ktrlplane_invoice_line",
  /** The period of the ledger invoice that carries the line: the comparison's month. */
  invoicePeriodStart: "ktrlplane_invoice_period_start",
  invoicePeriodEnd: "ktrlplane_invoice_period_end",
  price: "ktrlplane_price",
  priceVersion: "ktrlplane_price_version",
} as const;

/**
 * Late usage and voids in a month Stripe already invoiced (or past its 35-day meter-event window)
 * cannot reach Stripe through the meters, and a `sum` meter takes no negative event. The ledger
 * bills them on the account's next invoice as adjustment lines (recomputed − invoiced, migration
 * 018); each such line goes to Stripe as the correction Stripe documents for after the fact: an
 * invoice item on the customer — a charge when positive, a credit when negative — which Stripe
 * puts on the customer's next invoice (https://docs.stripe.com/api/invoiceitems: "add a charge or
 * credit to a customer, but actually charge or credit the customer's card only at the end of a
 * regular billing cycle"). One item per line, under a key made of the ledger invoice id and the
 * line number; recorded once Stripe answered, so a pass that crashed in between creates it again
 * under the same key and Stripe answers with the first item (keys are kept at least 24 h,
 * https://docs.stripe.com/api/idempotent_requests; past that, the customer's items are read).
 * The lines come from the account's queue (migration 028): an adjustment stays there until its
 * item is recorded — however long Stripe was unreachable or the account unable to pass, and
 * however old the period it corrects — and a pass reads only what is queued.
 */
export async function sendAdjustmentItems(options: {
  stripe: Stripe;
  db: Database;
  pacer: RequestPacer;
  billingAccountId: string;
  customerId: string;
  dryRun: boolean;
  beforeWrite: () => Promise<void>;
  now: Date;
}): Promise<{ sent: DriftEntry[]; drift: DriftEntry[] }> {
  const { stripe, db, pacer, billingAccountId, customerId } = options;
  const pending = await pendingStripeLines({ db, billingAccountId, kind: "adjustment" });
  const sent: DriftEntry[] = [];
  const drift: DriftEntry[] = [];
  const existing = existingItemsReader({ stripe, pacer, customerId });
  for (const line of pending) {
    let amount: number;
    try {
      amount = toStripeAmount({ amount: line.amount, currency: line.currency });
    } catch (error) {
      drift.push({
        kind: "adjustment_unrepresentable",
        detail: `${describe(line)}: ${(error as Error).message}`,
      });
      continue;
    }
    if (options.dryRun) {
      sent.push({ kind: "adjustment_item", detail: describe(line) });
      continue;
    }
    const itemId = await createAdjustmentItem({ ...options, line, amount, existing });
    sent.push({ kind: "adjustment_item", detail: `${describe(line)} → ${itemId}` });
  }
  return { sent, drift };
}

/** The fields of a ledger line an item carries (an adjustment line, or a line it corrects). */
export type CorrectedLine = Omit<PendingLine, "amount">;

/**
 * One invoice item for one ledger line, `amount` in Stripe's unit (negative: a credit), under the
 * key of that line; recorded once Stripe answered. Returns the item's id.
 */
export async function createAdjustmentItem(options: {
  stripe: Stripe;
  db: Database;
  pacer: RequestPacer;
  billingAccountId: string;
  customerId: string;
  beforeWrite: () => Promise<void>;
  now: Date;
  line: CorrectedLine;
  amount: number;
  existing: ReturnType<typeof existingItemsReader>;
}): Promise<string> {
  const { db, billingAccountId, customerId, line, amount } = options;
  const already = (await options.existing({ since: line.invoice_period_end })).get(
    `${line.invoice_id}#${line.line_no}`,
  );
  const item = already ? { id: already } : await createItem({ ...options, line, amount });
  await recordAdjustmentItem({
    db,
    item: {
      invoice_id: line.invoice_id,
      line_no: line.line_no,
      billing_account_id: billingAccountId,
      stripe_invoice_item_id: item.id,
      customer_id: customerId,
      stripe_amount: amount,
      currency: line.currency,
      sent_at: options.now,
    },
  });
  return item.id;
}

/**
 * The customer's items carrying ledger lines, created since `since`, by "invoice#line": read once
 * a pass (and only when it has a line to send), so that a line whose item Stripe holds but our
 * record lacks — a crash longer ago than Stripe keeps idempotency keys (24 h) — is not sent twice.
 */
export function existingItemsReader(options: {
  stripe: Stripe;
  pacer: RequestPacer;
  customerId: string;
}): (o: { since: Date }) => Promise<Map<string, string>> {
  let read: { since: number; items: Promise<Map<string, string>> } | undefined;
  return async ({ since }) => {
    const from = Math.floor(since.getTime() / 1000);
    if (read && read.since <= from) return read.items;
    const items = (async () => {
      const found = new Map<string, string>();
      await options.pacer.wait();
      for await (const ii of options.stripe.invoiceItems.list({
        customer: options.customerId,
        created: { gte: from },
        limit: 100,
      })) {
        const invoice = ii.metadata?.[adjustmentMetadata.invoice];
        const lineNo = ii.metadata?.[adjustmentMetadata.line];
        if (invoice && lineNo) found.set(`${invoice}#${lineNo}`, ii.id);
      }
      return found;
    })();
    read = { since: from, items };
    return items;
  };
}

async function createItem(options: {
  stripe: Stripe;
  pacer: RequestPacer;
  billingAccountId: string;
  customerId: string;
  beforeWrite: () => Promise<void>;
  line: CorrectedLine;
  amount: number;
}): Promise<{ id: string }> {
  const { stripe, pacer, billingAccountId, customerId, line, amount } = options;
  await options.beforeWrite();
  await pacer.wait();
  return stripe.invoiceItems.create(
    {
      customer: customerId,
      amount,
      currency: line.currency,
      description: line.description.slice(0, 500),
      period: {
        start: Math.floor(line.period_start.getTime() / 1000),
        end: Math.floor(line.period_end.getTime() / 1000),
      },
      metadata: {
        [accountMetadataKey]: billingAccountId,
        [adjustmentMetadata.invoice]: line.invoice_id,
        [adjustmentMetadata.line]: String(line.line_no),
        [adjustmentMetadata.invoicePeriodStart]: line.invoice_period_start.toISOString(),
        [adjustmentMetadata.invoicePeriodEnd]: line.invoice_period_end.toISOString(),
        [adjustmentMetadata.price]: `${line.resource_type}/${line.sku}`,
        [adjustmentMetadata.priceVersion]: String(line.price_version),
      },
    },
    { idempotencyKey: `ktrlplane:adjustment_item:${line.invoice_id}:${line.line_no}` },
  );
}

function describe(line: PendingLine): string {
  return `${line.invoice_number} line ${line.line_no} (${line.resource_type}/${line.sku} v${line.price_version}, ${line.period_start.toISOString().slice(0, 7)}): ${line.amount} ${line.currency}`;
}

/**
 * Where an adjustment item's invoice line counts in the comparison with the ledger: under the
 * price it adjusts and in the month of the ledger invoice that carries the adjustment line, so
 * the two match instead of showing as drift. Undefined for any other line.
 */
export function adjustmentLineRef(metadata: Record<string, string> | null | undefined):
  | {
      price: { resource_type: string; sku: string; price_version: number };
      service: { start: Date; end: Date };
    }
  | undefined {
  if (!metadata?.[adjustmentMetadata.invoice]) return undefined;
  const [resource_type, sku] = (metadata[adjustmentMetadata.price] ?? "").split("/");
  const priceVersion = Number(metadata[adjustmentMetadata.priceVersion]);
  const start = new Date(metadata[adjustmentMetadata.invoicePeriodStart] ?? "");
  const end = new Date(metadata[adjustmentMetadata.invoicePeriodEnd] ?? "");
  if (!resource_type || !sku || !Number.isInteger(priceVersion)) return undefined;
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) return undefined;
  return { price: { resource_type, sku, price_version: priceVersion }, service: { start, end } };
}
