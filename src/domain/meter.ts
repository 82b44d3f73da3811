export const aggregations = ["sum", "count", "max", "unique_count", "latest"] as const;
/**
 * How a period's events make one quantity. `latest`: the value of the event with the greatest
 * timestamp; of events at the same instant, the one whose id is greatest in byte order
 * (PostgreSQL's "C" collation), so that the answer never depends on the order of arrival.
 */
export type Aggregation = (typeof aggregations)[number];

/** What usage events of one name measure, and how a period's events make one quantity. */
export interface Meter {
  event_name: string;
  name: string;
  aggregation: Aggregation;
  /** unique_count only: the event property whose distinct values are counted. */
  property?: string;
  /** What one unit of the aggregate is called, for prices in words ("run": "$0.02 per run"). */
  unit_name?: string;
  /** Its plural ("runs"); the singular with an "s" when the catalog gives none. */
  unit_name_plural?: string;
  /**
   * The decimal places of the aggregate a provider that only takes whole numbers is sent
   * (Stripe's meter events: the aggregate × 10^decimals, its price divided to match). 0 when
   * absent. See src/catalog/meters.ts.
   */
  decimals?: number;
}

/** A meter as the API shows it next to a price: what is counted, and what a unit is called. */
export interface MeterSummary {
  event_name: string;
  name: string;
  aggregation: Aggregation;
  property: string | null;
  unit_name: string | null;
  unit_name_plural: string | null;
}

export function summarizeMeter(meter: Meter): MeterSummary {
  return {
    event_name: meter.event_name,
    name: meter.name,
    aggregation: meter.aggregation,
    property: meter.property ?? null,
    unit_name: meter.unit_name ?? null,
    unit_name_plural:
      meter.unit_name_plural ?? (meter.unit_name !== undefined ? `${meter.unit_name}s` : null),
  };
}
