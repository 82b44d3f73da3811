import { type PriceBook, versionEpochs } from "./price-versions.js";
import type { Price } from "./pricing.js";

export interface PriceRef {
  resource_type: string;
  sku: string;
}

/**
 * The book split by how a month line of a price can be computed. A *flat* price (every version
 * free, per_unit or metered) owes each
 * unit the same per second whatever the quantity, so a line is unit_amount × Σ seconds / month
 * seconds and a resource's weight in it is its seconds: plain sums a database can take. A tiered
 * price's rate depends on the quantity at each instant and needs the sweep of `computeCharges`.
 * A metered version has no rate at all: it bills usage, not time (`computeMeteredCharges`), so
 * its stretches make no line here, as in `computeCharges`.
 */
export function flatRates(book: PriceBook): {
  rates: (PriceRef & { version: number; unit_amount: number })[];
  epochs: (PriceRef & { start: number; end: number; moved_to: number })[];
  swept: PriceRef[];
} {
  const rates: (PriceRef & { version: number; unit_amount: number })[] = [];
  const epochs: (PriceRef & { start: number; end: number; moved_to: number })[] = [];
  const swept: PriceRef[] = [];
  for (const versions of book.values()) {
    const first = versions[0];
    if (!first) continue;
    const ref = { resource_type: first.price.resource_type, sku: first.price.sku };
    const units = versions.map((v) => flatUnitAmount(v.price));
    if (units.some((u) => u === undefined)) {
      swept.push(ref);
      continue;
    }
    versions.forEach((v, i) => {
      if (v.price.billing_model === "metered") return;
      rates.push({ ...ref, version: v.version, unit_amount: units[i] as number });
    });
    for (const epoch of versionEpochs(versions)) epochs.push({ ...ref, ...epoch });
  }
  return { rates, epochs, swept };
}

/** What one unit costs a whole period when that does not depend on the quantity. */
function flatUnitAmount(price: Price): number | undefined {
  switch (price.billing_model) {
    case "free":
    case "metered":
      return 0;
    case "per_unit":
      return price.unit_amount ?? undefined;
    case "tiered":
      return undefined;
  }
}
