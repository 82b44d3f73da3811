import { projectThenResourceParts } from "./allocation.js";
import { AppError } from "./errors.js";
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
 * resources (`projectThenResourceParts`), the same arithmetic as `computeCharges` and the
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
  // One entry per (resource, project), in order of first appearance, found by the resource's id
  // (a resource is in another project than its first entry's only if it moved during the month).
  const first = new Map<string, number>();
  const moved = new Map<string, number>();
  const held: FlatLineWeight[] = [];
  let accrued = 0;
  let projected = 0;
  let runsOn = false;
  for (const weight of options.weights) {
    accrued += weight.accrued;
    projected += weight.projected;
    if (weight.projected !== weight.accrued) runsOn = true;
    let index = first.get(weight.resource_id);
    if (index !== undefined && (held[index] as FlatLineWeight).project_id !== weight.project_id) {
      const key = `${weight.resource_id} ${weight.project_id}`;
      index = moved.get(key);
      if (index === undefined) moved.set(key, held.length);
    } else if (index === undefined) {
      first.set(weight.resource_id, held.length);
    }
    const same = index === undefined ? undefined : held[index];
    if (same) {
      same.accrued += weight.accrued;
      same.projected += weight.projected;
    } else {
      held.push({ ...weight });
    }
  }
  if (!Number.isSafeInteger(projected)) {
    throw new AppError({ code: "internal", message: `a line of ${projected} seconds` });
  }
  // A resource's id is its key: ties are broken among one project's entries, where each resource
  // has one, by the smallest resource_id, as on the invoice.
  const split = (mode: "accrued" | "projected", seconds: number) =>
    projectThenResourceParts({
      total: roundHalfUp(
        rational(BigInt(options.unitAmount) * BigInt(seconds), options.monthSeconds),
      ),
      weights: held.map((w) => ({
        key: w.resource_id,
        project_id: w.project_id,
        weight: w[mode],
      })),
    });
  const amounts = split("accrued", accrued);
  // Without a resource running on past the instant costs accrue to (a closed month), the two
  // splits are the same split.
  const projectedAmounts = runsOn ? split("projected", projected) : amounts;
  return held.map((w, i) => ({
    resource_id: w.resource_id,
    amount: amounts[i] as number,
    projected_amount: projectedAmounts[i] as number,
  }));
}
