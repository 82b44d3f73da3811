import type Stripe from "stripe";
import type { Database } from "../../db/database.js";
import { findStripeCustomerId } from "../../db/stripe-refs.js";
import { priceKey } from "../../domain/pricing.js";
import type {
  BillingProvider,
  DesiredAccount,
  DriftEntry,
  SyncOutcome,
} from "../billing-provider.js";
import type { RequestPacer } from "./request-pacer.js";
import { sendAdjustmentItems } from "./stripe-adjustment-items.js";
import { ensureCustomer, nameCustomer, readCustomerPayment } from "./stripe-customers.js";
import { creditMeterDecreases } from "./stripe-decrease-credits.js";
import { reportMeteredUsage } from "./stripe-meter-usage.js";
import { type MeteredTarget, stripePriceFor } from "./stripe-prices.js";
import { findSetupPaymentMethod, makeDefaultPaymentMethod } from "./stripe-setup.js";
import { accountStatusFrom } from "./stripe-status.js";
import {
  applySubscriptionAction,
  gaveUpOnPayment,
  readSubscriptions,
  waitsForFirstPayment,
} from "./stripe-subscriptions.js";
import {
  type AppliedState,
  appliedStateAfter,
  describeAction,
  driftFrom,
} from "./subscription-drift.js";
import { type DesiredItem, planSubscriptions } from "./subscription-plan.js";

const maxItemsPerSubscription = 20;

/**
 * One pass for one account: compute the wanted prices and quantities, read Stripe, adopt a
 * finished set-up's payment method, plan the difference and apply it (absolute quantities,
 * deterministic keys), then read the account's status from what Stripe holds.
 */
export async function syncStripeAccount(
  options: {
    stripe: Stripe;
    db: Database;
    pacer: RequestPacer;
    priceCache: Map<string, string>;
    meterCache: Map<string, string>;
    targetCache: Map<string, MeteredTarget>;
    clock: () => Date;
  } & Parameters<BillingProvider["syncAccount"]>[0],
): Promise<SyncOutcome> {
  const { stripe, db, pacer, priceCache, desired, previousState, dryRun, beforeWrite } = options;
  const { account } = desired;
  const known = await findStripeCustomerId({ db, billingAccountId: account.id });
  // A metered price version is an item for the whole month once billed in it (usage already
  // sent must still be invoiced at the period end), even after its last resource went — and
  // through the grace hour after the month, while the renewal draft still takes its usage.
  const meteredItems = new Map<string, NonNullable<DesiredAccount["metered"]>[number]>();
  for (const line of desired.metered ?? [])
    meteredItems.set(`${priceKey(line.price)}#${line.priceVersion}`, line);
  // Nothing billable and never mirrored: nothing to compare, no customer to create.
  if (!known && desired.items.length === 0 && meteredItems.size === 0)
    return { drift: [], changes: [], appliedState: previousState };
  const customerId = known ?? (await ensureCustomer({ stripe, db, pacer, account }));
  const wanted: DesiredItem[] = [];
  for (const item of [...desired.items, ...meteredItems.values()]) {
    wanted.push({
      priceId: await stripePriceFor({
        stripe,
        db,
        pacer,
        price: item.price,
        version: item.priceVersion,
        cache: priceCache,
        meterCache: options.meterCache,
        ...("meter" in item ? { meter: item.meter } : {}),
      }),
      quantity: "quantity" in item && typeof item.quantity === "number" ? item.quantity : null,
    });
  }
  const { actual, all, incomplete, expiredBySlot } = await readSubscriptions({
    stripe,
    pacer,
    customerId,
    accountId: account.id,
  });
  if (actual.length === 0 && all.some(gaveUpOnPayment)) {
    // Stripe cancelled for non-payment: re-creating the subscription would bill a customer
    // who does not pay. The account stays canceled; nothing is written.
    return { drift: [], changes: [], appliedState: previousState, status: "canceled" };
  }
  const drift = driftFrom({ previous: previousState as AppliedState | null, actual });
  const customer = await readCustomerPayment({ stripe, pacer, customerId });
  // A finished set-up leaves the card attached but not the default: adopt it (see
  // stripe-setup.ts). The webhook only marked the account; a lost webhook ends up here too.
  const adopt =
    customer.deleted || customer.hasDefault
      ? undefined
      : await findSetupPaymentMethod({ stripe, pacer, customerId });
  const setupChanges: DriftEntry[] = adopt
    ? [{ kind: "default_payment_method", detail: `${adopt} on ${customerId}` }]
    : [];
  // The account's name is desired state too: a rename (or a hand edit in Stripe) is written here.
  const rename = !customer.deleted && customer.name !== account.name;
  if (rename)
    setupChanges.push({ kind: "customer_name", detail: `${customerId} named ${account.name}` });
  const planned = planSubscriptions({
    desired: wanted,
    actual,
    maxItems: maxItemsPerSubscription,
  });
  const waiting = planned.filter((action) => waitsForFirstPayment({ action, incomplete }));
  const actions = planned.filter((action) => !waitsForFirstPayment({ action, incomplete }));
  for (const action of waiting)
    drift.push({ kind: "waiting_for_first_payment", detail: describeAction(action).detail });
  const changes = [...setupChanges, ...actions.map(describeAction)];
  const report = async (dry: boolean) => {
    if (customer.deleted) return { sent: [], drift: [] };
    const usage = await reportMeteredUsage({
      stripe,
      db,
      pacer,
      desired,
      customerId,
      targetCache: options.targetCache,
      dryRun: dry,
      beforeWrite,
      now: options.clock(),
    });
    // Corrections of months Stripe already invoiced: invoice items for the ledger's adjustments.
    const adjustments = await sendAdjustmentItems({
      stripe,
      db,
      pacer,
      billingAccountId: account.id,
      customerId,
      dryRun: dry,
      beforeWrite,
      now: options.clock(),
    });
    // Decreases a meter could not take within the month: a credit once both sides closed it.
    const decreases = await creditMeterDecreases({
      stripe,
      db,
      pacer,
      billingAccountId: account.id,
      customerId,
      targetCache: options.targetCache,
      dryRun: dry,
      beforeWrite,
      now: options.clock(),
    });
    return {
      sent: [...usage.sent, ...adjustments.sent, ...decreases.sent],
      drift: [...usage.drift, ...adjustments.drift, ...decreases.drift],
    };
  };
  if (dryRun) {
    // Reading the status writes nothing: a dry run still reports it.
    const status = accountStatusFrom({ account, customer, subscriptions: all });
    // A pass deferred by the write budget still sends usage: the budget stands for Stripe's
    // 200 quantity updates per subscription an hour, and meter events have their own limit that
    // does not count against the others (https://stripe.com/docs/rate-limits: "Calls to the Meter
    // events endpoint … are subject to a separate rate limit, and don't count against the basic
    // limits"). A deferred month-end would otherwise reach Stripe's renewal without its usage.
    const usage = await report(!options.sendUsage);
    drift.push(...usage.drift);
    return { drift, changes, appliedState: previousState, status, usage: usage.sent };
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
  if (rename) {
    await beforeWrite();
    await nameCustomer({
      stripe,
      pacer,
      accountId: account.id,
      customerId,
      name: account.name,
      version: desired.version,
    });
  }
  const created = new Map<number, string>();
  for (const action of actions) {
    await beforeWrite();
    const id = await applySubscriptionAction({
      stripe,
      pacer,
      action,
      customerId,
      accountId: account.id,
      canPay: customer.hasDefault,
      replaces: action.kind === "create_subscription" ? expiredBySlot.get(action.slot) : [],
      version: desired.version,
      now: options.clock(),
    });
    if (action.kind === "create_subscription" && id) created.set(action.slot, id);
  }
  // Usage goes out after the items exist, so each event lands on a billed meter.
  const usage = await report(false);
  drift.push(...usage.drift);
  const status = accountStatusFrom({ account, customer, subscriptions: all });
  return {
    drift,
    changes,
    appliedState: appliedStateAfter({ actual, actions, created }),
    status,
    usage: usage.sent,
  };
}
