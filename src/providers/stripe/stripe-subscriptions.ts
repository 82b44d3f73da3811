import type Stripe from "stripe";
import { idempotencyKey } from "./idempotency-key.js";
import type { RequestPacer } from "./request-pacer.js";
import { accountMetadataKey, slotMetadataKey } from "./stripe-metadata.js";
import type { ActualSubscription, SubscriptionAction } from "./subscription-plan.js";

/**
 * The account's subscriptions as Stripe holds them: `actual` (live, for the planner), `all` (for
 * the status), the `incomplete` ones, and the expired ones per slot.
 */
export async function readSubscriptions(options: {
  stripe: Stripe;
  pacer: RequestPacer;
  customerId: string;
  accountId: string;
}) {
  const { stripe, pacer, customerId, accountId } = options;
  await pacer.wait();
  const list = await stripe.subscriptions.list({
    customer: customerId,
    status: "all",
    limit: 100,
  });
  const ours = list.data.filter((s) => s.metadata?.[accountMetadataKey] === accountId);
  const live = ours.filter((s) => s.status !== "canceled" && s.status !== "incomplete_expired");
  // Stripe refuses item changes on an `incomplete` subscription until its first invoice is paid
  // (https://docs.stripe.com/billing/subscriptions/overview#payment-status): they wait.
  const incomplete = new Set(live.filter((s) => s.status === "incomplete").map((s) => s.id));
  // An expired subscription is replaced under a new key: the old create's key would replay it.
  const expiredBySlot = new Map<number, string[]>();
  for (const s of ours) {
    if (s.status !== "incomplete_expired") continue;
    const slot = slotOf(s);
    expiredBySlot.set(slot, [...(expiredBySlot.get(slot) ?? []), s.id].sort());
  }
  const actual: ActualSubscription[] = live.map((s) => ({
    id: s.id,
    slot: slotOf(s),
    created: s.created,
    items: s.items.data.map((item) => ({
      id: item.id,
      priceId: item.price.id,
      quantity: item.price.recurring?.usage_type === "metered" ? null : (item.quantity ?? 0),
    })),
  }));
  return { actual, all: ours, incomplete, expiredBySlot };
}

function slotOf(subscription: Stripe.Subscription): number {
  return Number(subscription.metadata?.[slotMetadataKey] ?? 0);
}

/**
 * One planned write, with absolute quantities and a key derived from (account, desired-state
 * version, parameters). Returns the id of a created subscription.
 */
export async function applySubscriptionAction(options: {
  stripe: Stripe;
  pacer: RequestPacer;
  action: SubscriptionAction;
  customerId: string;
  accountId: string;
  /** The customer has an invoice default payment method. */
  canPay: boolean;
  /** Expired subscriptions of the slot a create replaces: part of its idempotency key. */
  replaces?: string[];
  version: number;
  /** Stripe's "now": a new subscription is anchored to the 1st of the following month. */
  now: Date;
}): Promise<string | undefined> {
  const { action, customerId, accountId, version } = options;
  const scope = `${accountId}:${action.kind}`;
  await options.pacer.wait();
  switch (action.kind) {
    case "create_subscription": {
      const params: Stripe.SubscriptionCreateParams = {
        customer: customerId,
        items: action.items.map((i) =>
          i.quantity === null ? { price: i.priceId } : { price: i.priceId, quantity: i.quantity },
        ),
        metadata: { [accountMetadataKey]: accountId, [slotMetadataKey]: String(action.slot) },
        // One period on both sides: the ledger's period is the calendar month in UTC, so the
        // subscription renews on the 1st; the first, short period up to then is prorated
        // (https://docs.stripe.com/billing/subscriptions/billing-cycle).
        billing_cycle_anchor: firstOfNextMonthUtc(options.now),
        proration_behavior: "create_prorations",
        // An account still being set up gets its subscription now; the first invoice waits
        // for the payment method instead of failing.
        payment_behavior: options.canPay ? "allow_incomplete" : "default_incomplete",
      };
      const replaces = options.replaces ?? [];
      return (
        await options.stripe.subscriptions.create(params, {
          idempotencyKey: idempotencyKey({
            scope,
            version,
            params: replaces.length === 0 ? params : { ...params, replaces },
          }),
        })
      ).id;
    }
    case "add_item": {
      const params: Stripe.SubscriptionItemCreateParams = {
        subscription: action.subscriptionId,
        price: action.priceId,
        // A metered item has no quantity (Stripe refuses one): its meter's usage is billed.
        ...(action.quantity === null ? {} : { quantity: action.quantity }),
        proration_behavior: "create_prorations",
      };
      await options.stripe.subscriptionItems.create(params, {
        idempotencyKey: idempotencyKey({ scope, version, params }),
      });
      return undefined;
    }
    case "set_quantity": {
      const params: Stripe.SubscriptionItemUpdateParams = {
        quantity: action.quantity,
        proration_behavior: "create_prorations",
      };
      await options.stripe.subscriptionItems.update(action.itemId, params, {
        idempotencyKey: idempotencyKey({
          scope,
          version,
          params: { item: action.itemId, ...params },
        }),
      });
      return undefined;
    }
    case "delete_item": {
      const params: Stripe.SubscriptionItemDeleteParams = {
        proration_behavior: "create_prorations",
      };
      // No idempotency key: Stripe ignores them on DELETE, which is idempotent by definition
      // (https://docs.stripe.com/api/idempotent_requests); a repeat finds the item gone.
      await options.stripe.subscriptionItems.del(action.itemId, params);
      return undefined;
    }
    case "cancel_subscription": {
      // The final invoice settles what was used up to now.
      const params: Stripe.SubscriptionCancelParams = { invoice_now: true, prorate: true };
      await options.stripe.subscriptions.cancel(action.subscriptionId, params, {
        idempotencyKey: idempotencyKey({
          scope,
          version,
          params: { subscription: action.subscriptionId, ...params },
        }),
      });
      return undefined;
    }
  }
}

/** An item change on a subscription Stripe will not change yet (`incomplete`). */
export function waitsForFirstPayment(options: {
  action: SubscriptionAction;
  incomplete: Set<string>;
}): boolean {
  const { action } = options;
  return action.kind !== "create_subscription" && action.kind !== "cancel_subscription"
    ? options.incomplete.has(action.subscriptionId)
    : false;
}

/** Stripe cancelled the subscription because the customer did not pay. */
export function gaveUpOnPayment(subscription: Stripe.Subscription): boolean {
  return (
    subscription.status === "canceled" &&
    subscription.cancellation_details?.reason === "payment_failed"
  );
}

/** Unix seconds of the first instant of the month after `now`, UTC. */
export function firstOfNextMonthUtc(now: Date): number {
  return Math.floor(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1) / 1000);
}
