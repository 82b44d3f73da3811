import type { DriftEntry } from "../billing-provider.js";
import {
  type ActualSubscription,
  quantitiesOf,
  type SubscriptionAction,
} from "./subscription-plan.js";

/** Pure: what a pass reports about its writes and what it leaves behind for the next pass. */

/** What the last pass left in Stripe, kept to spot drift next time. */
export interface AppliedState {
  subscriptions: {
    id: string;
    slot: number;
    items: { priceId: string; quantity: number | null }[];
  }[];
}

export function describeAction(action: SubscriptionAction): DriftEntry {
  switch (action.kind) {
    case "create_subscription":
      return {
        kind: action.kind,
        detail: `slot ${action.slot}: ${action.items.map((i) => `${i.priceId}×${i.quantity ?? "metered"}`).join(", ")}`,
      };
    case "add_item":
      return {
        kind: action.kind,
        detail: `${action.priceId}×${action.quantity ?? "metered"} on ${action.subscriptionId}`,
      };
    case "set_quantity":
      return {
        kind: action.kind,
        detail: `${action.priceId}: ${action.from} → ${action.quantity}`,
      };
    case "delete_item":
      return { kind: action.kind, detail: `${action.priceId} from ${action.subscriptionId}` };
    case "cancel_subscription":
      return { kind: action.kind, detail: `${action.subscriptionId} (${action.reason})` };
  }
}

export /** Differences between what the last pass left in Stripe and what is there now. */
function driftFrom(options: {
  previous: AppliedState | null;
  actual: ActualSubscription[];
}): DriftEntry[] {
  if (!options.previous) return [];
  const drift: DriftEntry[] = [];
  const before = quantitiesOf(options.previous.subscriptions);
  const now = quantitiesOf(options.actual);
  for (const priceId of new Set([...before.keys(), ...now.keys()])) {
    const was = before.get(priceId) ?? 0;
    const is = now.get(priceId) ?? 0;
    if (was !== is)
      drift.push({ kind: "quantity", detail: `${priceId}: expected ${was}, found ${is}` });
  }
  const liveIds = new Set(options.actual.map((s) => s.id));
  for (const sub of options.previous.subscriptions) {
    if (!liveIds.has(sub.id))
      drift.push({ kind: "subscription_missing", detail: `${sub.id} is no longer active` });
  }
  const knownIds = new Set(options.previous.subscriptions.map((s) => s.id));
  for (const sub of options.actual) {
    if (!knownIds.has(sub.id))
      drift.push({
        kind: "subscription_unexpected",
        detail: `${sub.id} was not created by the last pass`,
      });
  }
  return drift;
}

export function appliedStateAfter(options: {
  actual: ActualSubscription[];
  actions: SubscriptionAction[];
  created: Map<number, string>;
}): AppliedState {
  const subs = new Map(
    options.actual.map((s) => [
      s.id,
      { id: s.id, slot: s.slot, items: new Map(s.items.map((i) => [i.priceId, i.quantity])) },
    ]),
  );
  for (const action of options.actions) {
    if (action.kind === "cancel_subscription") subs.delete(action.subscriptionId);
    else if (action.kind === "delete_item")
      subs.get(action.subscriptionId)?.items.delete(action.priceId);
    else if (action.kind === "add_item" || action.kind === "set_quantity")
      subs.get(action.subscriptionId)?.items.set(action.priceId, action.quantity);
    else {
      const id = options.created.get(action.slot) ?? `slot-${action.slot}`;
      subs.set(id, {
        id,
        slot: action.slot,
        items: new Map(action.items.map((i) => [i.priceId, i.quantity])),
      });
    }
  }
  return {
    subscriptions: [...subs.values()].map((s) => ({
      id: s.id,
      slot: s.slot,
      items: [...s.items].map(([priceId, quantity]) => ({ priceId, quantity })),
    })),
  };
}
