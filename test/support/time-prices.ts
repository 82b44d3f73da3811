/**
 * The default catalog's prices billed by time, one of each kind: flat (per unit with versions,
 * free, whose shares are 0) and tiered. Metered prices bill usage, not time.
 */
export const timePrices = [
  ["graph", "standard"],
  ["graph", "free"],
  ["flow", "standard"],
  ["storage", "standard"],
  ["storage", "archive"],
] as const;
