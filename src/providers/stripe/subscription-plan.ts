/**
 * Pure: from what Stripe holds and what the ledger wants, the writes that make them equal. One
 * item per Stripe price — each price version of the catalog is its own — with an absolute quantity, at most `maxItems` items per subscription (Stripe: 20),
 * further subscriptions ("slots") for more prices. Prices stay where they are; a subscription is
 * cancelled only when nothing billable is left on it. A metered price's item has no quantity
 * (`null`): Stripe bills its meter's usage, so it is only ever added or removed.
 */
export interface ActualItem {
  id: string;
  priceId: string;
  /** null for a metered price. */
  quantity: number | null;
}

export interface ActualSubscription {
  id: string;
  slot: number;
  created: number;
  items: ActualItem[];
}

export interface DesiredItem {
  priceId: string;
  /** null for a metered price. */
  quantity: number | null;
}

export type SubscriptionAction =
  | { kind: "create_subscription"; slot: number; items: DesiredItem[] }
  | { kind: "add_item"; subscriptionId: string; priceId: string; quantity: number | null }
  | {
      kind: "set_quantity";
      subscriptionId: string;
      itemId: string;
      priceId: string;
      from: number;
      quantity: number;
    }
  | { kind: "delete_item"; subscriptionId: string; itemId: string; priceId: string }
  | { kind: "cancel_subscription"; subscriptionId: string; reason: string };

export function planSubscriptions(options: {
  desired: DesiredItem[];
  actual: ActualSubscription[];
  maxItems: number;
}): SubscriptionAction[] {
  const { maxItems } = options;
  // One item per Stripe price: desired items naming one price (two versions of a catalog price
  // billed by one Stripe price) add up rather than overwrite each other.
  const wanted = new Map<string, number | null>();
  for (const d of options.desired) {
    if (d.quantity === null) wanted.set(d.priceId, null);
    else if (d.quantity > 0) wanted.set(d.priceId, (wanted.get(d.priceId) ?? 0) + d.quantity);
  }
  const actions: SubscriptionAction[] = [];

  // One subscription per slot: a duplicate (a create repeated under another key) is cancelled.
  const bySlot = new Map<number, ActualSubscription>();
  for (const sub of [...options.actual].sort(
    (a, b) => a.created - b.created || a.id.localeCompare(b.id),
  )) {
    if (bySlot.has(sub.slot))
      actions.push({ kind: "cancel_subscription", subscriptionId: sub.id, reason: "duplicate" });
    else bySlot.set(sub.slot, sub);
  }

  const placed = new Set<string>();
  const finalCount = new Map<string, number>();
  const perSubscription = new Map<string, SubscriptionAction[]>();
  const kept = [...bySlot.values()].sort((a, b) => a.slot - b.slot);
  for (const sub of kept) {
    const own: SubscriptionAction[] = [];
    let count = 0;
    for (const item of sub.items) {
      const quantity = wanted.get(item.priceId);
      if (quantity === undefined || placed.has(item.priceId)) {
        own.push({
          kind: "delete_item",
          subscriptionId: sub.id,
          itemId: item.id,
          priceId: item.priceId,
        });
        continue;
      }
      placed.add(item.priceId);
      count += 1;
      if (quantity !== null && item.quantity !== quantity) {
        own.push({
          kind: "set_quantity",
          subscriptionId: sub.id,
          itemId: item.id,
          priceId: item.priceId,
          from: item.quantity ?? 0,
          quantity,
        });
      }
    }
    finalCount.set(sub.id, count);
    perSubscription.set(sub.id, own);
  }

  const unplaced = [...wanted.entries()]
    .filter(([priceId]) => !placed.has(priceId))
    .sort(([a], [b]) => a.localeCompare(b));
  for (const sub of kept) {
    while (unplaced.length > 0 && (finalCount.get(sub.id) ?? 0) < maxItems) {
      const [priceId, quantity] = unplaced.shift() as [string, number | null];
      // Adds go first so that a subscription never passes through zero items.
      perSubscription
        .get(sub.id)
        ?.unshift({ kind: "add_item", subscriptionId: sub.id, priceId, quantity });
      finalCount.set(sub.id, (finalCount.get(sub.id) ?? 0) + 1);
    }
  }
  for (const sub of kept) {
    if ((finalCount.get(sub.id) ?? 0) === 0) {
      actions.push({
        kind: "cancel_subscription",
        subscriptionId: sub.id,
        reason: "nothing left to bill",
      });
    } else {
      actions.push(...(perSubscription.get(sub.id) ?? []));
    }
  }
  let slot = kept.reduce((max, s) => Math.max(max, s.slot + 1), 0);
  while (unplaced.length > 0) {
    const items = unplaced
      .splice(0, maxItems)
      .map(([priceId, quantity]) => ({ priceId, quantity }));
    actions.push({ kind: "create_subscription", slot, items });
    slot += 1;
  }
  return actions;
}

/** Quantities per price as a flat map: what drift is measured on. */
export function quantitiesOf(
  subscriptions: { items: { priceId: string; quantity: number | null }[] }[],
): Map<string, number> {
  const totals = new Map<string, number>();
  for (const sub of subscriptions) {
    for (const item of sub.items)
      totals.set(item.priceId, (totals.get(item.priceId) ?? 0) + (item.quantity ?? 0));
  }
  return totals;
}
