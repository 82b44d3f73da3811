import type Stripe from "stripe";
import type { Database } from "../../db/database.js";
import {
  markStripeMeterEventSent,
  planStripeMeterEvent,
  stripeMeterEvents,
} from "../../db/stripe-meter-events.js";
import type { DesiredAccount, DriftEntry } from "../billing-provider.js";
import {
  type MeteredLineTarget,
  planMeterEvents,
  type RecordedMeterEvent,
} from "./meter-event-plan.js";
import type { RequestPacer } from "./request-pacer.js";
import { stripeFormulaOf } from "./stripe-meters.js";
import { type MeteredTarget, meteredTargetFor } from "./stripe-prices.js";

/**
 * The account's metered usage sent to Stripe as meter events: plan from the ledger's lines and
 * what was recorded (see meter-event-plan.ts), then apply — each event recorded (committed) before
 * its request and marked sent after Stripe answered; no request runs inside a transaction. A
 * refused event is reported and left for the next pass; the pass goes on with the others.
 */
export async function reportMeteredUsage(options: {
  stripe: Stripe;
  db: Database;
  pacer: RequestPacer;
  desired: DesiredAccount;
  customerId: string;
  targetCache: Map<string, MeteredTarget>;
  dryRun: boolean;
  beforeWrite: () => Promise<void>;
  now: Date;
}): Promise<{ sent: DriftEntry[]; drift: DriftEntry[] }> {
  const { stripe, db, pacer, desired, customerId, now } = options;
  const metered = desired.metered ?? [];
  if (metered.length === 0) return { sent: [], drift: [] };
  const lines: MeteredLineTarget[] = [];
  for (const line of metered) {
    const target = await meteredTargetFor({
      stripe,
      db,
      pacer,
      price: line.price,
      version: line.priceVersion,
      cache: options.targetCache,
    });
    if (!target) continue;
    lines.push({
      eventName: target.eventName,
      formula: stripeFormulaOf(line.meter.aggregation),
      period: line.period,
      quantity: line.quantity,
      valueDecimals: target.valueDecimals,
    });
  }
  const periodStarts = [...new Map(lines.map((l) => [l.period.start.getTime(), l.period.start]))];
  const recorded = await stripeMeterEvents({
    db,
    billingAccountId: desired.account.id,
    periodStarts: periodStarts.map(([, start]) => start),
  });
  const plan = planMeterEvents({
    accountId: desired.account.id,
    customerId,
    lines,
    recorded,
    now,
  });
  const sent: DriftEntry[] = [];
  const drift = [...plan.drift];
  if (options.dryRun) {
    for (const event of [...plan.resend, ...plan.send]) sent.push(describeEvent(event));
    return { sent, drift };
  }
  const deliver = async (event: RecordedMeterEvent | (typeof plan.send)[number]) => {
    await options.beforeWrite();
    await pacer.wait();
    try {
      await stripe.billing.meterEvents.create(
        {
          event_name: event.event_name,
          identifier: event.identifier,
          timestamp: Math.floor(event.event_at.getTime() / 1000),
          payload: { stripe_customer_id: event.customer_id, value: event.value },
        },
        // No idempotency key of ours: the identifier is Stripe's dedup for meter events, and
        // a resend in a later pass must reach it (the SDK's own retries carry their own key).
      );
    } catch (error) {
      const stripeError = error as { type?: string; message?: string };
      if (stripeError.type !== "StripeInvalidRequestError") throw error;
      drift.push({
        kind: "meter_event_refused",
        detail: `${event.identifier}: ${stripeError.message ?? "refused"}`,
      });
      return;
    }
    await markStripeMeterEventSent({ db, identifier: event.identifier, at: now });
    sent.push(describeEvent(event));
  };
  for (const event of plan.resend) await deliver(event);
  for (const event of plan.send) {
    // Another pass planned this sequence number first: it sends it; the next pass continues.
    if (
      !(await planStripeMeterEvent({
        db,
        event: { ...event, billing_account_id: desired.account.id, planned_at: now },
      }))
    )
      continue;
    await deliver(event);
  }
  return { sent, drift };
}

function describeEvent(event: {
  event_name: string;
  value: string;
  total: string;
  identifier: string;
}): DriftEntry {
  return {
    kind: "meter_event",
    detail: `${event.event_name} +${event.value} → ${event.total} (${event.identifier})`,
  };
}
