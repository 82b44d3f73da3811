export const aggregations = ["sum", "count", "max", "unique_count", "latest"] as const;
export type Aggregation = (typeof aggregations)[number];

/** What usage events of one name measure, and how a period's events make one quantity. */
export interface Meter {
  event_name: string;
  name: string;
  aggregation: Aggregation;
  /** unique_count only: the event property whose distinct values are counted. */
  property?: string;
}
