import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { planSubscriptions } from "../../../src/providers/stripe/subscription-plan.js";

const sub = (id: string, slot: number, items: [string, number][], created = 1) => ({
  id,
  slot,
  created,
  items: items.map(([priceId, quantity]) => ({ id: `si_${id}_${priceId}`, priceId, quantity })),
});

describe("planning subscription changes", () => {
  it("creates one subscription for a new account, one item per price", () => {
    expect(
      planSubscriptions({
        desired: [
          { priceId: "b", quantity: 2 },
          { priceId: "a", quantity: 1 },
        ],
        actual: [],
        maxItems: 20,
      }),
    ).toEqual([
      {
        kind: "create_subscription",
        slot: 0,
        items: [
          { priceId: "a", quantity: 1 },
          { priceId: "b", quantity: 2 },
        ],
      },
    ]);
  });

  it("sets absolute quantities and leaves matching items alone", () => {
    const actions = planSubscriptions({
      desired: [
        { priceId: "a", quantity: 5 },
        { priceId: "b", quantity: 2 },
      ],
      actual: [
        sub("s1", 0, [
          ["a", 4],
          ["b", 2],
        ]),
      ],
      maxItems: 20,
    });
    expect(actions).toEqual([
      {
        kind: "set_quantity",
        subscriptionId: "s1",
        itemId: "si_s1_a",
        priceId: "a",
        from: 4,
        quantity: 5,
      },
    ]);
  });

  it("adds before it deletes, so a subscription never passes through zero items", () => {
    const actions = planSubscriptions({
      desired: [{ priceId: "b", quantity: 1 }],
      actual: [sub("s1", 0, [["a", 3]])],
      maxItems: 20,
    });
    expect(actions.map((a) => a.kind)).toEqual(["add_item", "delete_item"]);
  });

  it("cancels a subscription only when nothing billable is left on it", () => {
    expect(
      planSubscriptions({
        desired: [],
        actual: [
          sub("s1", 0, [
            ["a", 3],
            ["b", 1],
          ]),
        ],
        maxItems: 20,
      }),
    ).toEqual([
      { kind: "cancel_subscription", subscriptionId: "s1", reason: "nothing left to bill" },
    ]);
    // Deleting one price of two is an item deletion, never a cancellation.
    expect(
      planSubscriptions({
        desired: [{ priceId: "b", quantity: 1 }],
        actual: [
          sub("s1", 0, [
            ["a", 3],
            ["b", 1],
          ]),
        ],
        maxItems: 20,
      }).map((a) => a.kind),
    ).toEqual(["delete_item"]);
  });

  it("fills existing subscriptions up to the item limit, then opens the next slot", () => {
    const actions = planSubscriptions({
      desired: ["a", "b", "c", "d", "e"].map((priceId) => ({ priceId, quantity: 1 })),
      actual: [
        sub("s1", 0, [
          ["a", 1],
          ["b", 1],
        ]),
      ],
      maxItems: 3,
    });
    expect(actions).toEqual([
      { kind: "add_item", subscriptionId: "s1", priceId: "c", quantity: 1 },
      {
        kind: "create_subscription",
        slot: 1,
        items: [
          { priceId: "d", quantity: 1 },
          { priceId: "e", quantity: 1 },
        ],
      },
    ]);
  });

  it("cancels a duplicate subscription of a slot and keeps the oldest", () => {
    const actions = planSubscriptions({
      desired: [{ priceId: "a", quantity: 1 }],
      actual: [sub("s2", 0, [["a", 1]], 20), sub("s1", 0, [["a", 1]], 10)],
      maxItems: 20,
    });
    expect(actions).toEqual([
      { kind: "cancel_subscription", subscriptionId: "s2", reason: "duplicate" },
    ]);
  });

  it("removes a price that appears on two subscriptions from the later one", () => {
    const actions = planSubscriptions({
      desired: [
        { priceId: "a", quantity: 2 },
        { priceId: "b", quantity: 1 },
      ],
      actual: [
        sub("s1", 0, [["a", 2]]),
        sub("s2", 1, [
          ["a", 1],
          ["b", 1],
        ]),
      ],
      maxItems: 20,
    });
    expect(actions).toEqual([
      { kind: "delete_item", subscriptionId: "s2", itemId: "si_s2_a", priceId: "a" },
    ]);
  });
});

describe("any plan, applied in order", () => {
  const price = fc.constantFrom(...Array.from({ length: 30 }, (_, i) => `p${i}`));
  const actualState = fc
    .array(
      fc.record({
        slot: fc.nat(3),
        items: fc.uniqueArray(fc.tuple(price, fc.integer({ min: 1, max: 9 })), {
          selector: ([p]) => p,
          maxLength: 6,
        }),
      }),
      { maxLength: 4 },
    )
    .map((subs) =>
      subs.filter((s) => s.items.length > 0).map((s, i) => sub(`s${i}`, s.slot, s.items, i)),
    );
  const desiredState = fc.uniqueArray(
    fc.record({ priceId: price, quantity: fc.integer({ min: 0, max: 9 }) }),
    { selector: (d) => d.priceId, maxLength: 30 },
  );

  it("ends at exactly the desired quantities, within the item limit, never emptying a live subscription", () => {
    fc.assert(
      fc.property(actualState, desiredState, (actual, desired) => {
        const state = new Map(
          actual.map((s) => [
            s.id,
            new Map<string, number | null>(s.items.map((i) => [i.priceId, i.quantity])),
          ]),
        );
        const actions = planSubscriptions({ desired, actual, maxItems: 20 });
        for (const action of actions) {
          if (action.kind === "create_subscription") {
            expect(action.items.length).toBeGreaterThan(0);
            state.set(
              `new${action.slot}`,
              new Map(action.items.map((i) => [i.priceId, i.quantity])),
            );
          } else if (action.kind === "cancel_subscription") {
            state.delete(action.subscriptionId);
          } else {
            const items = state.get(action.subscriptionId);
            if (!items) throw new Error(`${action.kind} on a missing subscription`);
            if (action.kind === "delete_item") items.delete(action.priceId);
            else items.set(action.priceId, action.quantity);
            expect(items.size).toBeGreaterThan(0);
          }
        }
        const totals = new Map<string, number>();
        for (const items of state.values()) {
          expect(items.size).toBeLessThanOrEqual(20);
          for (const [p, q] of items) {
            expect(totals.has(p)).toBe(false);
            totals.set(p, q ?? 0);
          }
        }
        expect(totals).toEqual(
          new Map(desired.filter((d) => d.quantity > 0).map((d) => [d.priceId, d.quantity])),
        );
      }),
      { numRuns: 300 },
    );
  });
});
