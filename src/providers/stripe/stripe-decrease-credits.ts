import type Stripe from "stripe";
import { meteredGraceMs } from "../../billing/desired-account.js";
import type { Database } from "../../db/database.js";
import { pendingStripeLines, settlePendingLine } from "../../db/stripe-adjustment-items.js";
import { stripeMeterEvents } from "../../db/stripe-meter-events.js";
import { toStripeAmount } from "../../domain/money.js";
import { meteredAmount, type Price } from "../../domain/pricing.js";
import { compareR, parseDecimal, roundHalfUp } from "../../domain/rational.js";
import type { DriftEntry } from "../billing-provider.js";
import { meterEventMaxAgeMs } from "./meter-event-plan.js";
import type { RequestPacer } from "./request-pacer.js";
import { createAdjustmentItem, existingItemsReader } from "./stripe-adjustment-items.js";
import { type MeteredTarget, meteredTargetFor } from "./stripe-prices.js";

/**
 * A decrease within the open month — usage voided after it was sent to a `sum` meter — cannot be
 * sent: Stripe takes no negative meter events, so its renewal bills the higher total, while the
 * ledger's invoice for the month bills what remains (the month was not invoiced yet, so the
 * ledger writes no adjustment line). Once the month is closed on both sides (past the grace hour,
 * when no more events go to its meters, and the ledger's invoice is final), each metered line
 * whose meter holds more than the ledger invoiced gets a credit item: the ledger's amount minus
 * what Stripe's total comes to at the same price, rounded once like the ledger's line (the last
 * event's total is what Stripe bills for either formula: the running sum, or the last value). It carries
 * that ledger line (same key scheme, record and comparison as the adjustment items).
 * The same holds for usage dated in the month that reached the meter in the grace hour after the
 * ledger had already finalized the month: the ledger bills it on its next invoice as an
 * adjustment (an item, stripe-adjustment-items.ts), and this credit takes it off the month's
 * Stripe total, so it is billed once.
 * Each metered charge line is queued for Stripe when its invoice is finalized (migration 028) and
 * checked once its month is closed on both sides: it leaves the queue with its credit recorded,
 * or at once when Stripe billed no more than the ledger — whatever its age, never re-read.
 */
export async function creditMeterDecreases(options: {
  stripe: Stripe;
  db: Database;
  pacer: RequestPacer;
  billingAccountId: string;
  customerId: string;
  targetCache: Map<string, MeteredTarget>;
  dryRun: boolean;
  beforeWrite: () => Promise<void>;
  now: Date;
}): Promise<{ sent: DriftEntry[]; drift: DriftEntry[] }> {
  const { stripe, db, pacer, billingAccountId, now } = options;
  const lines = (await pendingStripeLines({ db, billingAccountId, kind: "metered_charge" })).filter(
    (l) => now.getTime() >= l.period_end.getTime() + meteredGraceMs,
  );
  const sent: DriftEntry[] = [];
  const drift: DriftEntry[] = [];
  if (lines.length === 0) return { sent, drift };
  const recorded = await stripeMeterEvents({
    db,
    billingAccountId,
    periodStarts: [...new Map(lines.map((l) => [l.period_start.getTime(), l.period_start]))].map(
      ([, start]) => start,
    ),
  });
  let existing: ReturnType<typeof existingItemsReader> | undefined;
  for (const line of lines) {
    const price = line.price as Price;
    const eventName = (
      await meteredTargetFor({
        stripe,
        db,
        pacer,
        price,
        version: line.price_version,
        cache: options.targetCache,
      })
    )?.eventName;
    const rows = recorded.filter(
      (r) => r.event_name === eventName && r.period_start.getTime() === line.period_start.getTime(),
    );
    // An event Stripe may have taken without our record saying so is still re-sent by the passes
    // (meter-event-plan.ts): the line waits until it is confirmed, or too old to be.
    if (
      rows.some(
        (r) => r.sent_at === null && now.getTime() - r.event_at.getTime() <= meterEventMaxAgeMs,
      )
    )
      continue;
    const last = rows.filter((r) => r.sent_at !== null).at(-1);
    const stripeTotal = last ? parseDecimal(last.total) : null;
    const ledgerTotal = parseDecimal(line.usage_quantity ?? "");
    const credit =
      stripeTotal && ledgerTotal && compareR(stripeTotal, ledgerTotal) > 0
        ? line.amount - roundHalfUp(meteredAmount({ price, quantity: stripeTotal }))
        : 0;
    if (credit === 0) {
      // Stripe billed no more than the ledger: the line needs nothing, now or later.
      if (!options.dryRun)
        await settlePendingLine({ db, invoiceId: line.invoice_id, lineNo: line.line_no });
      continue;
    }
    const detail = `${line.invoice_number} line ${line.line_no} (${line.resource_type}/${line.sku} v${line.price_version}): Stripe's meter holds ${last?.total}, the ledger ${line.usage_quantity}: ${credit} ${line.currency}`;
    let amount: number;
    try {
      amount = toStripeAmount({ amount: credit, currency: line.currency });
    } catch (error) {
      drift.push({
        kind: "adjustment_unrepresentable",
        detail: `${detail}: ${(error as Error).message}`,
      });
      continue;
    }
    if (options.dryRun) {
      sent.push({ kind: "decrease_credit", detail });
      continue;
    }
    existing ??= existingItemsReader({ stripe, pacer, customerId: options.customerId });
    const itemId = await createAdjustmentItem({
      ...options,
      existing,
      line: {
        ...line,
        description: `${line.description}: the usage invoiced for the month`,
      },
      amount,
    });
    sent.push({ kind: "decrease_credit", detail: `${detail} → ${itemId}` });
  }
  return { sent, drift };
}
