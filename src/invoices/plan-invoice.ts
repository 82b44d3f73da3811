import type { Period } from "../domain/billing-period.js";
import { computeCharges, type LedgerInterval, mergeCharges } from "../domain/charges.js";
import { AppError } from "../domain/errors.js";
import { computeMeteredCharges, type MeteredUsage } from "../domain/metered-charges.js";
import { type PriceBook, priceVersion } from "../domain/price-versions.js";
import { type Price, priceKey } from "../domain/pricing.js";
import type { UsageAdjustment } from "../domain/usage-adjustments.js";

export interface PlannedShare {
  resource_id: string;
  project_id: string;
  amount: number;
}

export interface PlannedLine {
  line_no: number;
  /** A charge of the invoice's period, or an adjustment of an earlier one (`period` says which). */
  kind: "charge" | "adjustment";
  /** Adjustments: the line recomputed, and what was invoiced for it before; null on charges. */
  recomputed_amount: number | null;
  invoiced_amount: number | null;
  resource_type: string;
  sku: string;
  description: string;
  /** The price version and its definition the amount was computed with, frozen on the line. */
  price_version: number;
  price: Price;
  /**
   * Resources active in the last second of the period (what the upcoming invoice shows); on a
   * metered line, the resources whose usage it bills.
   */
  quantity: number;
  /** Metered lines: the period's aggregate of the meter, which the amount prices. */
  usage_quantity: string | null;
  period: Period;
  amount: number;
  currency: string;
  /** The line split over its resources; sums to `amount` exactly. */
  shares: PlannedShare[];
}

export interface InvoicePlan {
  billing_account_id: string;
  period: Period;
  currency: string;
  total: number;
  lines: PlannedLine[];
}

/**
 * What an account's invoice for a closed period says, from the ledger alone (pure: the apply step
 * writes it). It is, line for line, the upcoming invoice as it stood at the period's end: the same
 * `computeCharges` over the period with open intervals running to its end, and the same
 * largest-remainder shares the costs use. Null when nothing ran on the account in the period —
 * such a period gets no invoice (an invoice is a record of something billed, and a run of empty
 * numbered invoices for idle accounts would only be noise); an account whose resources all ran
 * free does get one, with zero lines and a zero total.
 */
export function planInvoice(options: {
  billingAccountId: string;
  currency: string;
  period: Period;
  intervals: LedgerInterval[];
  /** The account's metered usage in the period (see `meteredUsage`). */
  usage: MeteredUsage[];
  /** Corrections of earlier periods' metered lines (late usage), billed on this invoice. */
  adjustments?: UsageAdjustment[];
  prices: PriceBook;
  typeNames: Map<string, string>;
}): InvoicePlan | null {
  const { billingAccountId, period, prices, typeNames } = options;
  const adjustments = options.adjustments ?? [];
  const charges = mergeCharges(
    computeCharges({
      intervals: options.intervals.filter((i) => i.billing_account_id === billingAccountId),
      prices,
      from: period.start,
      to: period.end,
      openUntil: period.end,
    }),
    computeMeteredCharges({
      usage: options.usage.filter((u) => u.billing_account_id === billingAccountId),
      prices,
    }),
  );
  if (charges.lines.length === 0 && adjustments.length === 0) return null;

  const sharesByPrice = new Map<string, PlannedShare[]>();
  // A line is one price version: shares are matched to lines on both.
  const lineKey = (l: { resource_type: string; sku: string; price_version: number }) =>
    `${priceKey(l)}#${l.price_version}`;
  for (const share of charges.shares) {
    const key = lineKey(share);
    const list = sharesByPrice.get(key) ?? [];
    list.push({
      resource_id: share.resource_id,
      project_id: share.project_id,
      amount: share.amount,
    });
    sharesByPrice.set(key, list);
  }
  const lines = charges.lines.map((line, index): PlannedLine => {
    const { price } = priceVersion(prices, line, line.price_version);
    const shares = sharesByPrice.get(lineKey(line)) ?? [];
    // One month, one account: a price version has one line, so its shares are the line's. Should
    // lines ever split further, the shares must be matched on that too: refuse to freeze an
    // invoice whose shares do not add up to its lines.
    const shared = shares.reduce((sum, share) => sum + share.amount, 0);
    if (
      charges.lines.filter((l) => lineKey(l) === lineKey(line)).length > 1 ||
      shared !== line.amount
    ) {
      throw new AppError({
        code: "internal",
        message: `the shares of ${priceKey(line)} on ${billingAccountId} do not match its line`,
      });
    }
    return {
      line_no: index + 1,
      kind: "charge",
      recomputed_amount: null,
      invoiced_amount: null,
      resource_type: line.resource_type,
      sku: line.sku,
      description: `${typeNames.get(line.resource_type) ?? line.resource_type} (${line.sku})`,
      price_version: line.price_version,
      price,
      quantity: line.quantity_at_end,
      usage_quantity: line.usage_quantity ?? null,
      period: line.period,
      amount: line.amount,
      currency: price.currency,
      shares,
    };
  });
  lines.push(...planAdjustmentLines({ adjustments, prices, typeNames, after: lines.length }));
  return {
    billing_account_id: billingAccountId,
    period,
    currency: options.currency,
    total: charges.total + adjustments.reduce((sum, a) => sum + a.amount, 0),
    lines,
  };
}

/**
 * The lines of an invoice that bill adjustments, numbered after its `after` charges: what
 * finalization writes and what the upcoming invoice previews, alike.
 */
export function planAdjustmentLines(options: {
  adjustments: UsageAdjustment[];
  prices: PriceBook;
  typeNames: Map<string, string>;
  after: number;
}): PlannedLine[] {
  return options.adjustments.map((adjustment, index): PlannedLine => {
    const { price } = priceVersion(options.prices, adjustment, adjustment.price_version);
    const name = options.typeNames.get(adjustment.resource_type) ?? adjustment.resource_type;
    return {
      line_no: options.after + index + 1,
      kind: "adjustment",
      recomputed_amount: adjustment.recomputed_amount,
      invoiced_amount: adjustment.invoiced_amount,
      resource_type: adjustment.resource_type,
      sku: adjustment.sku,
      description: `${name} (${adjustment.sku}), usage adjustment for ${adjustment.period.start.toISOString().slice(0, 7)}, price version ${adjustment.price_version}`,
      price_version: adjustment.price_version,
      price,
      quantity: adjustment.quantity,
      usage_quantity: adjustment.usage_quantity,
      period: adjustment.period,
      amount: adjustment.amount,
      currency: price.currency,
      shares: adjustment.shares,
    };
  });
}
