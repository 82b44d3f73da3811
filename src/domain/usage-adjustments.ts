import type { Period } from "./billing-period.js";
import type { Charges } from "./charges.js";
import { AppError } from "./errors.js";
import { priceKey } from "./pricing.js";

/** What was already invoiced for one metered line of a closed period (its line or an adjustment). */
export interface InvoicedMeteredLine {
  resource_type: string;
  sku: string;
  price_version: number;
  amount: number;
  shares: { resource_id: string; project_id: string; amount: number }[];
}

/** A correction of one metered line (price version) of a closed period. */
export interface UsageAdjustment {
  resource_type: string;
  sku: string;
  price_version: number;
  period: Period;
  /** The line as the period's usage prices it now. */
  recomputed_amount: number;
  /** The period's invoice line plus every earlier adjustment of it. */
  invoiced_amount: number;
  /** recomputed − invoiced: negative after a void. */
  amount: number;
  /** Resources whose usage the recomputed line bills. */
  quantity: number;
  /** The recomputed aggregate of the meter (decimal text). */
  usage_quantity: string;
  /** Recomputed shares minus invoiced shares, per resource and project: they sum to `amount`. */
  shares: { resource_id: string; project_id: string; amount: number }[];
}

const SEP = "\u0000";
const lineKey = (l: { resource_type: string; sku: string; price_version: number }) =>
  `${priceKey(l)}#${l.price_version}`;

/**
 * The adjustments that bring what was invoiced for a closed period's metered lines to what its
 * usage prices now (pure). Each price version's line is recomputed whole — tiers and packages over
 * the period's whole aggregate, rounded once — and the difference taken after rounding, so the
 * period's lines plus their adjustments always equal the recomputed lines exactly. A line whose
 * amount and shares are unchanged yields nothing; one whose amount is unchanged but whose usage
 * moved between resources yields a zero line, so each project's costs stay true.
 */
export function computeUsageAdjustments(options: {
  period: Period;
  /** The account's metered charges for the period, as `computeMeteredCharges` makes them now. */
  recomputed: Charges;
  invoiced: InvoicedMeteredLine[];
}): UsageAdjustment[] {
  const { period } = options;
  const byKey = new Map<
    string,
    {
      ref: { resource_type: string; sku: string; price_version: number };
      recomputed: number;
      invoiced: number;
      quantity: number;
      usage_quantity: string;
      shares: Map<string, number>;
    }
  >();
  const accFor = (ref: { resource_type: string; sku: string; price_version: number }) => {
    const key = lineKey(ref);
    let acc = byKey.get(key);
    if (!acc) {
      acc = {
        ref: { resource_type: ref.resource_type, sku: ref.sku, price_version: ref.price_version },
        recomputed: 0,
        invoiced: 0,
        quantity: 0,
        usage_quantity: "0",
        shares: new Map(),
      };
      byKey.set(key, acc);
    }
    return acc;
  };
  const addShare = (
    shares: Map<string, number>,
    share: { resource_id: string; project_id: string },
    amount: number,
  ) => {
    const key = share.resource_id + SEP + share.project_id;
    shares.set(key, (shares.get(key) ?? 0) + amount);
  };

  for (const line of options.recomputed.lines) {
    const acc = accFor(line);
    acc.recomputed += line.amount;
    acc.quantity = line.quantity_at_end;
    acc.usage_quantity = line.usage_quantity ?? "0";
  }
  for (const share of options.recomputed.shares) {
    addShare(accFor(share).shares, share, share.amount);
  }
  for (const line of options.invoiced) {
    const acc = accFor(line);
    acc.invoiced += line.amount;
    for (const share of line.shares) addShare(acc.shares, share, -share.amount);
  }

  const adjustments: UsageAdjustment[] = [];
  for (const [key, acc] of [...byKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const shares = [...acc.shares]
      .filter(([, amount]) => amount !== 0)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, amount]) => {
        const [resource_id, project_id] = k.split(SEP) as [string, string];
        return { resource_id, project_id, amount };
      });
    const amount = acc.recomputed - acc.invoiced;
    if (amount === 0 && shares.length === 0) continue;
    if (shares.reduce((sum, s) => sum + s.amount, 0) !== amount) {
      // Lines and shares sum alike on both sides; a mismatch means a torn input.
      throw new AppError({
        code: "internal",
        message: `the adjustment shares of ${key} do not add up to its amount`,
      });
    }
    adjustments.push({
      ...acc.ref,
      period,
      recomputed_amount: acc.recomputed,
      invoiced_amount: acc.invoiced,
      amount,
      quantity: acc.quantity,
      usage_quantity: acc.usage_quantity,
      shares,
    });
  }
  return adjustments;
}
