import { describe, expect, it } from "vitest";
import { type FlatLineWeight, flatLineShares } from "../../../src/domain/flat-line-shares.js";

const month = 30 * 86_400;

/** A line of a 30-day month at `unitAmount` a month. */
function split(unitAmount: number, weights: FlatLineWeight[]) {
  return flatLineShares({ unitAmount, monthSeconds: month, weights });
}

describe("a flat line split over its resources", () => {
  it("rounds the line once, half up, and hands its units out by seconds, projected apart from accrued", () => {
    // 1,000 a month: a third of a month is 333.33…, two thirds 666.66…; the line is 1,000 (not
    // 333 + 667 rounded apart) and the two resources split it by their seconds.
    const shares = split(1_000, [
      { resource_id: "res_a", project_id: "prj_1", accrued: month / 3, projected: month / 3 },
      { resource_id: "res_b", project_id: "prj_1", accrued: 0, projected: (2 * month) / 3 },
    ]);
    expect(shares).toEqual([
      { resource_id: "res_a", amount: 333, projected_amount: 333 },
      { resource_id: "res_b", amount: 0, projected_amount: 667 },
    ]);
  });

  it("counts a resource's seconds in one project once, however many pieces they come in", () => {
    const whole = split(7_919, [
      { resource_id: "res_a", project_id: "prj_1", accrued: 1_000_003, projected: 1_200_007 },
      { resource_id: "res_b", project_id: "prj_1", accrued: 999_999, projected: 999_999 },
    ]);
    const inPieces = split(7_919, [
      { resource_id: "res_a", project_id: "prj_1", accrued: 1_000_000, projected: 1_000_000 },
      { resource_id: "res_b", project_id: "prj_1", accrued: 999_999, projected: 999_999 },
      { resource_id: "res_a", project_id: "prj_1", accrued: 3, projected: 200_007 },
    ]);
    expect(inPieces).toEqual(whole);
  });

  it("gives a resource that moved between projects a share in each, adding up to the line", () => {
    const shares = split(9_999, [
      { resource_id: "res_a", project_id: "prj_1", accrued: 500_000, projected: 500_000 },
      { resource_id: "res_a", project_id: "prj_2", accrued: 700_001, projected: 700_001 },
      { resource_id: "res_b", project_id: "prj_2", accrued: 300_000, projected: 300_000 },
    ]);
    expect(shares.map((s) => s.resource_id)).toEqual(["res_a", "res_a", "res_b"]);
    const line = Math.floor((9_999 * 1_500_001) / month + 0.5);
    expect(shares.reduce((sum, s) => sum + s.amount, 0)).toBe(line);
    expect(shares.every((s) => s.amount > 0)).toBe(true);
  });
});
