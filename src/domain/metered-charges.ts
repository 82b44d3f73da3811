import { splitExactByProjectThenResource } from "./allocation.js";
import type { Period } from "./billing-period.js";
import type { ChargeLine, ChargeShare, Charges } from "./charges.js";
import { sortedCharges } from "./charges.js";
import { AppError } from "./errors.js";
import { type PriceBook, priceVersion } from "./price-versions.js";
import { meteredAmount, priceKey } from "./pricing.js";
import {
  addR,
  decimalText,
  parseDecimal,
  type Rational,
  rational,
  roundHalfUp,
} from "./rational.js";

/**
 * One resource's usage on one account in one calendar month (or the part of it a window covers):
 * its meter's aggregate over the hours it was billed to the account, at one price version.
 */
export interface MeteredUsage {
  resource_id: string;
  project_id: string;
  billing_account_id: string;
  resource_type: string;
  sku: string;
  price_version: number;
  period: Period;
  /** The aggregate (sum, count, max, latest or unique count, as the meter says), decimal text. */
  quantity: string;
}

const SEP = "\u0000";

function quantityOf(usage: MeteredUsage): Rational {
  const parsed = parseDecimal(usage.quantity);
  if (!parsed) {
    throw new AppError({
      code: "internal",
      message: `usage of ${usage.resource_id} is not a decimal: ${usage.quantity}`,
    });
  }
  return parsed;
}

/**
 * Metered lines: one per (account, price version, month), whose quantity is the sum of its
 * resources' aggregates and whose amount is the price applied to that quantity (tiers and
 * packages over the account's usage, as Stripe applies them to a subscription item), rounded
 * once. Shares split each rounded line by the projects' and then the resources' aggregates,
 * largest remainder, so every grouping adds up to the lines to the unit.
 */
export function computeMeteredCharges(options: {
  usage: MeteredUsage[];
  prices: PriceBook;
}): Charges {
  const lineAccs = new Map<
    string,
    {
      first: MeteredUsage;
      quantity: Rational;
      resources: Map<string, { project_id: string; exact: Rational }>;
    }
  >();
  for (const usage of options.usage) {
    const key = [
      usage.billing_account_id,
      priceKey(usage),
      usage.price_version,
      usage.period.start.getTime(),
    ].join(SEP);
    const quantity = quantityOf(usage);
    let acc = lineAccs.get(key);
    if (!acc) {
      acc = { first: usage, quantity: rational(0), resources: new Map() };
      lineAccs.set(key, acc);
    }
    acc.quantity = addR(acc.quantity, quantity);
    const resourceKey = usage.resource_id + SEP + usage.project_id;
    const held = acc.resources.get(resourceKey);
    if (held) held.exact = addR(held.exact, quantity);
    else acc.resources.set(resourceKey, { project_id: usage.project_id, exact: quantity });
  }

  const lines: ChargeLine[] = [];
  const shares: ChargeShare[] = [];
  let total = 0;
  for (const { first, quantity, resources } of lineAccs.values()) {
    const { price } = priceVersion(options.prices, first, first.price_version);
    const amount = roundHalfUp(meteredAmount({ price, quantity }));
    const ids = new Set([...resources.keys()].map((key) => key.split(SEP)[0]));
    lines.push({
      billing_account_id: first.billing_account_id,
      resource_type: first.resource_type,
      sku: first.sku,
      price_version: first.price_version,
      period: first.period,
      amount,
      quantity_at_end: ids.size,
      usage_quantity: decimalText(quantity),
    });
    total += amount;
    // With no usage at all the amount is 0 and so is every share.
    const split = splitExactByProjectThenResource({
      total: amount,
      weights: [...resources].map(([key, held]) => ({ key, ...held })),
    });
    for (const [key, share] of split) {
      const [resource_id, project_id] = key.split(SEP) as [string, string];
      shares.push({
        resource_id,
        project_id,
        billing_account_id: first.billing_account_id,
        resource_type: first.resource_type,
        sku: first.sku,
        price_version: first.price_version,
        amount: share,
      });
    }
  }
  return sortedCharges({ lines, shares, total });
}
