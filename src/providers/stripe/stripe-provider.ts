import type Stripe from "stripe";
import type { BillingAccountRow, BillingAccountStatus } from "../../db/billing-accounts.js";
import type { Database } from "../../db/database.js";
import { findStripeCustomerId } from "../../db/stripe-refs.js";
import { AppError } from "../../domain/errors.js";
import type {
  BillingProvider,
  DriftEntry,
  SyncOutcome,
  WebhookTrigger,
} from "../billing-provider.js";
import { idempotencyKey } from "./idempotency-key.js";
import { RequestPacer } from "./request-pacer.js";
import { ensureCustomer } from "./stripe-customers.js";
import { accountMetadataKey } from "./stripe-metadata.js";
import { stripePriceFor } from "./stripe-prices.js";
import {
  findSetupPaymentMethod,
  makeDefaultPaymentMethod,
  startCheckoutSetup,
} from "./stripe-setup.js";
import {
  type ActualSubscription,
  planSubscriptions,
  quantitiesOf,
  type SubscriptionAction,
} from "./subscription-plan.js";

const maxItemsPerSubscription = 20;

interface AppliedState {
  subscriptions: { id: string; slot: number; items: { priceId: string; quantity: number }[] }[];
}

export function createStripeProvider(options: {
  stripe: Stripe;
  db: Database;
  webhookSecret?: string;
  /** Our own request budget per second, under Stripe's limit. */
  requestsPerSecond?: number;
  /** Writes per account per hour, under Stripe's 200 quantity updates per subscription. */
  writesPerHour?: number;
}): BillingProvider {
  const { stripe, db } = options;
  const pacer = new RequestPacer(options.requestsPerSecond ?? 20);
  const priceCache = new Map<string, string>();

  async function readSubscriptions(customerId: string, accountId: string) {
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
      const slot = Number(s.metadata?.ktrlplane_slot ?? 0);
      expiredBySlot.set(slot, [...(expiredBySlot.get(slot) ?? []), s.id].sort());
    }
    const actual: ActualSubscription[] = live.map((s) => ({
      id: s.id,
      slot: Number(s.metadata?.ktrlplane_slot ?? 0),
      created: s.created,
      items: s.items.data.map((item) => ({
        id: item.id,
        priceId: item.price.id,
        quantity: item.quantity ?? 0,
      })),
    }));
    return { actual, all: ours, incomplete, expiredBySlot };
  }

  /** The customer's state as far as paying goes. */
  async function readCustomer(customerId: string) {
    await pacer.wait();
    const customer = await stripe.customers.retrieve(customerId);
    if ("deleted" in customer && customer.deleted) return { deleted: true, hasDefault: false };
    return {
      deleted: false,
      hasDefault: Boolean((customer as Stripe.Customer).invoice_settings?.default_payment_method),
    };
  }

  function statusFrom(options: {
    account: BillingAccountRow;
    customer: { deleted: boolean; hasDefault: boolean };
    subscriptions: Stripe.Subscription[];
  }): BillingAccountStatus | undefined {
    const statuses = options.subscriptions.map((s) => s.status);
    if (statuses.includes("unpaid")) return "unpaid";
    if (statuses.includes("past_due")) return "past_due";
    if (options.customer.deleted) return "canceled";
    if (options.customer.hasDefault) return "active";
    return options.account.status === "setup_required" ? "setup_required" : undefined;
  }

  async function apply(options: {
    action: SubscriptionAction;
    customerId: string;
    account: BillingAccountRow;
    /** The customer has an invoice default payment method. */
    canPay: boolean;
    /** Expired subscriptions of the slot a create replaces: part of its idempotency key. */
    replaces?: string[];
    version: number;
  }): Promise<string | undefined> {
    const { action, customerId, account, version } = options;
    const scope = `${account.id}:${action.kind}`;
    await pacer.wait();
    switch (action.kind) {
      case "create_subscription": {
        const params: Stripe.SubscriptionCreateParams = {
          customer: customerId,
          items: action.items.map((i) => ({ price: i.priceId, quantity: i.quantity })),
          metadata: { [accountMetadataKey]: account.id, ktrlplane_slot: String(action.slot) },
          proration_behavior: "create_prorations",
          // An account still being set up gets its subscription now; the first invoice waits
          // for the payment method instead of failing.
          payment_behavior: options.canPay ? "allow_incomplete" : "default_incomplete",
        };
        const replaces = options.replaces ?? [];
        return (
          await stripe.subscriptions.create(params, {
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
          quantity: action.quantity,
          proration_behavior: "create_prorations",
        };
        await stripe.subscriptionItems.create(params, {
          idempotencyKey: idempotencyKey({ scope, version, params }),
        });
        return undefined;
      }
      case "set_quantity": {
        const params: Stripe.SubscriptionItemUpdateParams = {
          quantity: action.quantity,
          proration_behavior: "create_prorations",
        };
        await stripe.subscriptionItems.update(action.itemId, params, {
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
        await stripe.subscriptionItems.del(action.itemId, params);
        return undefined;
      }
      case "cancel_subscription": {
        // The final invoice settles what was used up to now.
        const params: Stripe.SubscriptionCancelParams = { invoice_now: true, prorate: true };
        await stripe.subscriptions.cancel(action.subscriptionId, params, {
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

  return {
    name: "stripe",
    initialAccountStatus: "setup_required",
    writesPerHour: options.writesPerHour ?? 180,

    async syncAccount({ desired, previousState, dryRun, beforeWrite }): Promise<SyncOutcome> {
      const { account } = desired;
      const known = await findStripeCustomerId({ db, billingAccountId: account.id });
      // Nothing billable and never mirrored: nothing to compare, no customer to create.
      if (!known && desired.items.length === 0)
        return { drift: [], changes: [], appliedState: previousState };
      const customerId = known ?? (await ensureCustomer({ stripe, db, pacer, account }));
      const wanted = [];
      for (const item of desired.items) {
        wanted.push({
          priceId: await stripePriceFor({
            stripe,
            db,
            pacer,
            price: item.price,
            cache: priceCache,
          }),
          quantity: item.quantity,
        });
      }
      const { actual, all, incomplete, expiredBySlot } = await readSubscriptions(
        customerId,
        account.id,
      );
      if (actual.length === 0 && all.some(gaveUpOnPayment)) {
        // Stripe cancelled for non-payment: re-creating the subscription would bill a customer
        // who does not pay. The account stays canceled; nothing is written.
        return { drift: [], changes: [], appliedState: previousState, status: "canceled" };
      }
      const drift = driftFrom({ previous: previousState as AppliedState | null, actual });
      const customer = await readCustomer(customerId);
      // A finished set-up leaves the card attached but not the default: adopt it (see
      // stripe-setup.ts). The webhook only marked the account; a lost webhook ends up here too.
      const adopt =
        customer.deleted || customer.hasDefault
          ? undefined
          : await findSetupPaymentMethod({ stripe, pacer, customerId });
      const setupChanges: DriftEntry[] = adopt
        ? [{ kind: "default_payment_method", detail: `${adopt} on ${customerId}` }]
        : [];
      const planned = planSubscriptions({
        desired: wanted,
        actual,
        maxItems: maxItemsPerSubscription,
      });
      const waiting = planned.filter((a) => changesItemsOf(a, incomplete));
      const actions = planned.filter((a) => !changesItemsOf(a, incomplete));
      for (const action of waiting)
        drift.push({ kind: "waiting_for_first_payment", detail: describe(action).detail });
      const changes = [...setupChanges, ...actions.map(describe)];
      if (dryRun) {
        // Reading the status writes nothing: a dry run still reports it.
        const status = statusFrom({ account, customer, subscriptions: all });
        return { drift, changes, appliedState: previousState, status };
      }

      if (adopt) {
        await beforeWrite();
        await makeDefaultPaymentMethod({
          stripe,
          pacer,
          accountId: account.id,
          customerId,
          paymentMethodId: adopt,
        });
        customer.hasDefault = true;
      }
      const created = new Map<number, string>();
      for (const action of actions) {
        await beforeWrite();
        const id = await apply({
          action,
          customerId,
          account,
          canPay: customer.hasDefault,
          replaces: action.kind === "create_subscription" ? expiredBySlot.get(action.slot) : [],
          version: desired.version,
        });
        if (action.kind === "create_subscription" && id) created.set(action.slot, id);
      }
      const status = statusFrom({ account, customer, subscriptions: all });
      return {
        drift,
        changes,
        appliedState: appliedStateAfter({ actual, actions, created }),
        status,
      };
    },

    startSetup({ account, returnUrl }) {
      return startCheckoutSetup({ stripe, db, pacer, account, returnUrl });
    },

    verifyWebhook({ rawBody, signature }): WebhookTrigger {
      if (!options.webhookSecret) {
        throw new AppError({
          code: "not_found",
          message: "Webhooks are not configured (STRIPE_WEBHOOK_SECRET)",
        });
      }
      let event: Stripe.Event;
      try {
        event = stripe.webhooks.constructEvent(rawBody, signature ?? "", options.webhookSecret);
      } catch {
        throw new AppError({
          code: "invalid_signature",
          message: "The Stripe-Signature header does not match this payload",
        });
      }
      const object = event.data.object as {
        id?: string;
        object?: string;
        customer?: unknown;
        metadata?: Record<string, string>;
      };
      const customerId =
        typeof object.customer === "string"
          ? object.customer
          : object.object === "customer"
            ? object.id
            : undefined;
      return {
        eventId: event.id,
        type: event.type,
        billingAccountId: object.metadata?.[accountMetadataKey],
        customerId,
      };
    },
  };
}

/** An item change on a subscription Stripe will not change yet. */
function changesItemsOf(action: SubscriptionAction, incomplete: Set<string>): boolean {
  return action.kind !== "create_subscription" && action.kind !== "cancel_subscription"
    ? incomplete.has(action.subscriptionId)
    : false;
}

function gaveUpOnPayment(subscription: Stripe.Subscription): boolean {
  return (
    subscription.status === "canceled" &&
    subscription.cancellation_details?.reason === "payment_failed"
  );
}

function describe(action: SubscriptionAction): DriftEntry {
  switch (action.kind) {
    case "create_subscription":
      return {
        kind: action.kind,
        detail: `slot ${action.slot}: ${action.items.map((i) => `${i.priceId}×${i.quantity}`).join(", ")}`,
      };
    case "add_item":
      return {
        kind: action.kind,
        detail: `${action.priceId}×${action.quantity} on ${action.subscriptionId}`,
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

/** Differences between what the last pass left in Stripe and what is there now. */
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

function appliedStateAfter(options: {
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
