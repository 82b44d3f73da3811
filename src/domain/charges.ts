import { splitByProjectThenResource } from "./allocation.js";
import { calendarMonthOf, epochSeconds, type Period } from "./billing-period.js";
import { AppError } from "./errors.js";
import { type PriceBook, priceVersion, versionSegments } from "./price-versions.js";
import { type Price, periodAmount, priceKey } from "./pricing.js";
import { gcdBig, lcmBig, rational, roundHalfUp } from "./rational.js";

/** One row of the billing ledger: a resource billed to an account at a price for a while. */
export interface LedgerInterval {
  resource_id: string;
  project_id: string;
  billing_account_id: string;
  resource_type: string;
  sku: string;
  /** The price version the row was recorded at; later versions it moves to are cut in here. */
  price_version: number;
  started_at: Date;
  /** null while the resource is still running on this account. */
  ended_at: Date | null;
}

/**
 * What one account owes for one version of one price in one calendar month (clipped to the
 * window). Tiers apply to the quantity of that version, as Stripe's tiers apply to the quantity
 * of its item: each version is its own Stripe price.
 */
export interface ChargeLine {
  billing_account_id: string;
  resource_type: string;
  sku: string;
  /** The price version the line is billed at (see `PriceBook`). */
  price_version: number;
  period: Period;
  amount: number;
  /**
   * Intervals active in the last second the line covers (month end, `to` or `openUntil`); on a
   * metered line, the resources whose usage it bills.
   */
  quantity_at_end: number;
  /** Metered lines: the period's aggregate of the meter the amount is priced on (decimal text). */
  usage_quantity?: string;
}

/** A resource's part of the lines of one account; a resource that moved accounts has one per account. */
export interface ChargeShare {
  resource_id: string;
  project_id: string;
  billing_account_id: string;
  resource_type: string;
  sku: string;
  price_version: number;
  amount: number;
}

export interface Charges {
  lines: ChargeLine[];
  shares: ChargeShare[];
  total: number;
}

interface Piece {
  resource_id: string;
  project_id: string;
  start: number;
  end: number;
}

interface LineAcc {
  billing_account_id: string;
  resource_type: string;
  sku: string;
  price_version: number;
  price: Price;
  period: Period;
  startS: number;
  endS: number;
  pieces: Piece[];
}

const SEP = "\u0000";

function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One stretch of an interval at one version, cut at month boundaries into its lines. */
function addPieces(options: {
  lineAccs: Map<string, LineAcc>;
  interval: LedgerInterval;
  price: Price;
  version: number;
  start: number;
  end: number;
}): void {
  const { lineAccs, interval, price, version, start, end } = options;
  let month = calendarMonthOf(new Date(start * 1000));
  for (;;) {
    const monthStart = epochSeconds(month.start);
    if (monthStart >= end) break;
    const monthEnd = epochSeconds(month.end);
    const lineKey = [interval.billing_account_id, priceKey(interval), version, monthStart].join(
      SEP,
    );
    let acc = lineAccs.get(lineKey);
    if (!acc) {
      acc = {
        billing_account_id: interval.billing_account_id,
        resource_type: interval.resource_type,
        sku: interval.sku,
        price_version: version,
        price,
        period: month,
        startS: monthStart,
        endS: monthEnd,
        pieces: [],
      };
      lineAccs.set(lineKey, acc);
    }
    acc.pieces.push({
      resource_id: interval.resource_id,
      project_id: interval.project_id,
      start: Math.max(start, monthStart),
      end: Math.min(end, monthEnd),
    });
    month = calendarMonthOf(month.end);
  }
}

/**
 * Costs of the ledger over [from, to). An open interval runs until `openUntil` (pass `now` for
 * what has accrued, `to` for a projection). An interval is billed at its recorded price version
 * and, from each later version's `effective_from`, at that version (see `versionSegments`).
 * Each (account, price, version, month) line is the exact sum of periodAmount(quantity) ×
 * seconds / secondsInMonth over the stretches where the quantity is constant, rounded once;
 * shares split each rounded line by largest remainder, over projects and then their resources,
 * so every grouping of shares adds up to the lines to the unit.
 */
export function computeCharges(options: {
  intervals: LedgerInterval[];
  prices: PriceBook;
  from: Date;
  to: Date;
  openUntil: Date;
}): Charges {
  const fromS = epochSeconds(options.from);
  const toS = epochSeconds(options.to);
  const openS = epochSeconds(options.openUntil);
  if (toS < fromS) {
    throw new AppError({
      code: "validation_failed",
      message: "the window ends before it starts",
      field: "to",
    });
  }

  const lineAccs = new Map<string, LineAcc>();
  let currency: string | undefined;
  for (const interval of options.intervals) {
    const start = Math.max(epochSeconds(interval.started_at), fromS);
    const end = Math.min(interval.ended_at === null ? openS : epochSeconds(interval.ended_at), toS);
    if (end <= start) continue;
    const key = priceKey(interval);
    if (!options.prices.has(key)) {
      throw new AppError({
        code: "internal",
        message: `no price for ${key}, used by resource ${interval.resource_id}`,
        details: { resource_type: interval.resource_type, sku: interval.sku },
      });
    }
    for (const segment of versionSegments({
      book: options.prices,
      ref: interval,
      version: interval.price_version,
      start,
      end,
    })) {
      const { price } = priceVersion(options.prices, interval, segment.version);
      // One total across currencies would be a meaningless number.
      if (currency !== undefined && price.currency !== currency) {
        throw new AppError({
          code: "currency_mismatch",
          message: `charges mix ${currency} and ${price.currency}; compute them per currency`,
        });
      }
      currency = price.currency;
      // Metered prices bill usage, not time: see `computeMeteredCharges`.
      if (price.billing_model === "metered") continue;
      addPieces({ lineAccs, interval, price, ...segment });
    }
  }

  const lines: ChargeLine[] = [];
  const shareAccs = new Map<string, ChargeShare>();
  let total = 0;
  for (const acc of lineAccs.values()) {
    const { line, resourceAmounts } = chargeLine({
      acc,
      lastSecondEnd: Math.min(acc.endS, toS, openS),
    });
    lines.push(line);
    total += line.amount;
    for (const [resourceKey, amount] of resourceAmounts) {
      const [resource_id, project_id] = resourceKey.split(SEP) as [string, string];
      const shareKey = [
        acc.billing_account_id,
        resource_id,
        project_id,
        priceKey(line),
        line.price_version,
      ].join(SEP);
      const share = shareAccs.get(shareKey);
      if (share) share.amount += amount;
      else
        shareAccs.set(shareKey, {
          resource_id,
          project_id,
          billing_account_id: acc.billing_account_id,
          resource_type: line.resource_type,
          sku: line.sku,
          price_version: line.price_version,
          amount,
        });
    }
  }
  return sortedCharges({ lines, shares: [...shareAccs.values()], total });
}

export function sortedCharges(charges: Charges): Charges {
  if (!Number.isSafeInteger(charges.total)) {
    throw new AppError({ code: "internal", message: "charges exceed the safe integer range" });
  }
  charges.lines.sort(
    (a, b) =>
      byString(a.billing_account_id, b.billing_account_id) ||
      byString(priceKey(a), priceKey(b)) ||
      a.price_version - b.price_version ||
      a.period.start.getTime() - b.period.start.getTime(),
  );
  charges.shares.sort(
    (a, b) =>
      byString(a.billing_account_id, b.billing_account_id) ||
      byString(a.resource_id, b.resource_id) ||
      byString(a.project_id, b.project_id) ||
      byString(priceKey(a), priceKey(b)) ||
      a.price_version - b.price_version,
  );
  return charges;
}

/** Licensed and metered charges of the same window as one statement, in the same order. */
export function mergeCharges(a: Charges, b: Charges): Charges {
  return sortedCharges({
    lines: [...a.lines, ...b.lines],
    shares: [...a.shares, ...b.shares],
    total: a.total + b.total,
  });
}

/**
 * One line by a sweep over its change points. Each unit active in a stretch with quantity q is
 * owed periodAmount(q)/q per month-second; those per-unit rates are kept as integers over a
 * common denominator D (the lcm of their reduced denominators — 1 for per_unit), so a unit's
 * exact weight is a difference of two prefix sums and no rational is reduced in the loop.
 */
function chargeLine(options: { acc: LineAcc; lastSecondEnd: number }): {
  line: ChargeLine;
  resourceAmounts: Map<string, number>;
} {
  const { acc, lastSecondEnd } = options;
  const { price, pieces } = acc;
  const n = pieces.length;
  const starts = Float64Array.from(pieces, (p) => p.start).sort();
  const ends = Float64Array.from(pieces, (p) => p.end).sort();

  // Distinct change points and the quantity that holds from each to the next.
  const times: number[] = [];
  const quantities: number[] = [];
  let q = 0;
  let i = 0;
  let j = 0;
  while (i < n || j < n) {
    const t = Math.min(
      i < n ? (starts[i] as number) : Infinity,
      j < n ? (ends[j] as number) : Infinity,
    );
    while (i < n && starts[i] === t) {
      q++;
      i++;
    }
    while (j < n && ends[j] === t) {
      q--;
      j++;
    }
    times.push(t);
    quantities.push(q);
  }

  const rates = new Map<number, { amount: bigint; num: bigint; den: bigint }>();
  let common = 1n;
  for (let k = 0; k + 1 < times.length; k++) {
    const qk = quantities[k] as number;
    if (qk === 0 || rates.has(qk)) continue;
    const amount = BigInt(periodAmount({ price, quantity: qk }));
    const g = gcdBig(amount, BigInt(qk)) || 1n;
    const rate = { amount, num: amount / g, den: BigInt(qk) / g };
    rates.set(qk, rate);
    common = lcmBig(common, rate.den);
  }

  // prefix[k]: what one unit active from times[0] to times[k] is owed, × D × month seconds.
  const prefix: bigint[] = [0n];
  const indexOf = new Map<number, number>([[times[0] as number, 0]]);
  let lineNumerator = 0n;
  let running = 0n;
  for (let k = 0; k + 1 < times.length; k++) {
    const qk = quantities[k] as number;
    const seconds = BigInt((times[k + 1] as number) - (times[k] as number));
    const rate = rates.get(qk);
    if (rate) {
      running += rate.num * (common / rate.den) * seconds;
      lineNumerator += rate.amount * seconds;
    }
    prefix.push(running);
    indexOf.set(times[k + 1] as number, k + 1);
  }

  const monthSeconds = acc.endS - acc.startS;
  const amount = roundHalfUp(rational(lineNumerator, monthSeconds));

  const weights = new Map<string, { project_id: string; weight: bigint }>();
  let quantityAtEnd = 0;
  for (const piece of pieces) {
    const weight =
      (prefix[indexOf.get(piece.end) as number] as bigint) -
      (prefix[indexOf.get(piece.start) as number] as bigint);
    const key = piece.resource_id + SEP + piece.project_id;
    const held = weights.get(key);
    if (held) held.weight += weight;
    else weights.set(key, { project_id: piece.project_id, weight });
    if (piece.start < lastSecondEnd && piece.end >= lastSecondEnd) quantityAtEnd++;
  }

  // Resource ids lead the keys, so remainder ties within a project fall to the smallest resource_id.
  const resourceAmounts = splitByProjectThenResource({
    total: amount,
    weights: [...weights].map(([key, held]) => ({ key, ...held })),
  });
  return {
    line: {
      billing_account_id: acc.billing_account_id,
      resource_type: acc.resource_type,
      sku: acc.sku,
      price_version: acc.price_version,
      period: acc.period,
      amount,
      quantity_at_end: quantityAtEnd,
    },
    resourceAmounts,
  };
}
