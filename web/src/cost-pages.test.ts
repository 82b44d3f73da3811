import { describe, expect, it } from "vitest";
import type { Costs } from "./api";
import { allCostPages, emptyPrior, priorAmount, priorNeedsMore, readPrior } from "./cost-pages";

type Group = Costs["groups"][number];

/** A breakdown served as the API does: pages of `size`, totals on every page, opaque cursors. */
function served(groups: Group[], size: number) {
  const asked: (string | undefined)[] = [];
  const total = groups.reduce((s, g) => s + g.amount, 0);
  const projected = groups.reduce((s, g) => s + g.projected_amount, 0);
  const fetchPage = async (cursor?: string): Promise<Costs> => {
    asked.push(cursor);
    const start = cursor === undefined ? 0 : Number(cursor.slice(2));
    const end = start + size;
    return {
      from: "2026-10-01T00:00:00.000Z",
      to: "2026-11-01T00:00:00.000Z",
      currency: "usd",
      total,
      projected_total: projected,
      groups: groups.slice(start, end),
      next_cursor: end < groups.length ? `c:${end}` : null,
    } as Costs;
  };
  return { fetchPage, asked };
}

const group = (key: string, amount: number): Group => ({
  key,
  name: key,
  amount,
  projected_amount: amount,
});
const groups = (n: number) => Array.from({ length: n }, (_, i) => group(`g${i}`, 1000 - i));

describe("allCostPages (the CSV export)", () => {
  it("reads every page in order, keeps the window's totals and says how far it got", async () => {
    const { fetchPage, asked } = served(groups(7), 3);
    const progress: number[] = [];
    const all = await allCostPages({ fetchPage, onProgress: (n) => progress.push(n) });
    expect(all.groups.map((g) => g.key)).toEqual(["g0", "g1", "g2", "g3", "g4", "g5", "g6"]);
    expect(all.total).toBe(groups(7).reduce((s, g) => s + g.amount, 0));
    expect(all.next_cursor).toBeNull();
    expect(asked).toEqual([undefined, "c:3", "c:6"]);
    expect(progress).toEqual([3, 6, 7]);
  });

  it("a breakdown of one page is read once", async () => {
    const { fetchPage, asked } = served(groups(2), 3);
    expect((await allCostPages({ fetchPage })).groups).toHaveLength(2);
    expect(asked).toEqual([undefined]);
  });
});

describe("readPrior (the previous period for the groups on screen)", () => {
  it("reads on only until the keys on screen are found, then on from there for the next page", async () => {
    const { fetchPage, asked } = served(groups(10), 2);
    const first = await readPrior({ lookup: emptyPrior, keys: ["g0", "g3"], fetchPage });
    expect(asked).toEqual([undefined, "c:2"]);
    expect(first.head?.total).toBe(groups(10).reduce((s, g) => s + g.amount, 0));
    expect(priorAmount({ lookup: first, key: "g3" })).toBe(997);
    // Not read yet: still to be found, not "new".
    expect(priorAmount({ lookup: first, key: "g8" })).toBe("pending");

    const more = await readPrior({ lookup: first, keys: ["g0", "g3", "g8"], fetchPage });
    expect(asked).toEqual([undefined, "c:2", "c:4", "c:6", "c:8"]);
    expect(priorAmount({ lookup: more, key: "g8" })).toBe(992);
    expect(priorNeedsMore({ lookup: more, keys: ["g0", "g3", "g8"] })).toBe(false);
  });

  it("a group absent from the whole previous period is new (0), known only at its end", async () => {
    const { fetchPage } = served(groups(5), 2);
    const lookup = await readPrior({ lookup: emptyPrior, keys: ["g1", "fresh"], fetchPage });
    expect(lookup.complete).toBe(true);
    expect(priorAmount({ lookup, key: "fresh" })).toBe(0);
  });

  it("always reads the first page (the previous totals), even with nothing on screen", async () => {
    const { fetchPage, asked } = served([], 2);
    const lookup = await readPrior({ lookup: emptyPrior, keys: [], fetchPage });
    expect(asked).toEqual([undefined]);
    expect(lookup.head?.total).toBe(0);
  });

  it("stops at the bound and then says it does not know rather than calling a group new", async () => {
    const { fetchPage, asked } = served(groups(20), 2);
    const lookup = await readPrior({ lookup: emptyPrior, keys: ["fresh"], fetchPage, maxPages: 3 });
    expect(asked).toHaveLength(3);
    expect(priorAmount({ lookup, key: "fresh", maxPages: 3 })).toBe("unknown");
    expect(priorAmount({ lookup, key: "g4", maxPages: 3 })).toBe(996);
  });
});
