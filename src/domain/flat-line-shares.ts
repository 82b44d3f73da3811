import { splitByProjectThenResource } from "./allocation.js";
import { rational, roundHalfUp } from "./rational.js";

/** A resource's seconds in one flat line (one account's month at one price version). */
export interface FlatLineWeight {
  resource_id: string;
  project_id: string;
  /** Seconds billed up to the instant costs accrue to. */
  accrued: number;
  /** Seconds billed up to the end of the window, if what runs keeps running. */
  projected: number;
}

export interface FlatLineShare {
  resource_id: string;
  amount: number;
  projected_amount: number;
}

/**
 * A flat line's amount, accrued and projected, and each resource's share of it: the line is
 * round-half-up(unit amount × Σ seconds / month seconds), split over projects and then their
 * resources (`splitByProjectThenResource`), the same arithmetic as `computeCharges` and the
 * invoice, so a resource's cost equals its share of the invoice to the unit. A resource may come
 * in several weights (a rolled-up month and its open interval; two projects it moved between):
 * its seconds per project are summed first, as the invoice counts them, and a resource in two
 * projects has a share in each.
 */
export function flatLineShares(options: {
  unitAmount: number;
  monthSeconds: number;
  weights: FlatLineWeight[];
}): FlatLineShare[] {
  const held = new Map<string, FlatLineWeight>();
  let accrued = 0n;
  let projected = 0n;
  for (const weight of options.weights) {
    accrued += BigInt(weight.accrued);
    projected += BigInt(weight.projected);
    // Resource ids lead the keys, so remainder ties within a project fall to the smallest
    // resource_id, as on the invoice.
    const key = `${weight.resource_id}\u0000${weight.project_id}`;
    const same = held.get(key);
    if (same) {
      same.accrued += weight.accrued;
      same.projected += weight.projected;
    } else {
      held.set(key, { ...weight });
    }
  }
  const lineAmount = (seconds: bigint) =>
    roundHalfUp(rational(BigInt(options.unitAmount) * seconds, options.monthSeconds));
  const split = (mode: "accrued" | "projected", seconds: bigint) =>
    splitByProjectThenResource({
      total: lineAmount(seconds),
      weights: [...held].map(([key, w]) => ({
        key,
        project_id: w.project_id,
        weight: BigInt(w[mode]),
      })),
    });
  const amounts = split("accrued", accrued);
  const projectedAmounts = split("projected", projected);
  return [...held].map(([key, w]) => ({
    resource_id: w.resource_id,
    amount: amounts.get(key) ?? 0,
    projected_amount: projectedAmounts.get(key) ?? 0,
  }));
}
