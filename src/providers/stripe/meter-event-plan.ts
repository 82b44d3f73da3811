import { createHash } from "node:crypto";
import type { Period } from "../../domain/billing-period.js";
import {
  compareR,
  decimalText,
  parseDecimal,
  type Rational,
  rational,
  subR,
} from "../../domain/rational.js";
import type { DriftEntry } from "../billing-provider.js";
import type { StripeMeterFormula } from "./stripe-meters.js";

/**
 * Pure: which meter events bring Stripe's meters to the ledger's metered lines.
 *
 * Every event is recorded before it is sent and marked sent once Stripe answered (see migration
 * 017). The line's base is the total of the last event recorded, sent or not, because a pass
 * that crashed after Stripe took an event but before it was marked would otherwise send the
 * increment again under another identifier (the ledger may have grown since) and bill it twice.
 * An event left unsent is re-sent first with its own identifier, value and timestamp, which Stripe
 * counts once (identifiers are unique for at least 24 h,
 * https://docs.stripe.com/api/billing/meter-event/create#create_billing_meter_event-identifier).
 *
 * - `sum` meters receive the increase of the line's running total: the identifier is derived
 *   from (account, meter, period, sequence, new running total).
 * - `last` meters receive the line's current value whenever it changed, each event a second
 *   after the previous one so that Stripe's "last" is ours.
 * Stripe takes whole non-negative values only here (stricter than needed): a decrease (voided
 * usage) or a fractional total is reported as drift and not sent. A decrease is credited by an
 * invoice item once the month is closed (stripe-decrease-credits.ts); usage or voids dated in a
 * month Stripe already invoiced never reach the meters: the ledger's adjustment lines go to
 * Stripe as invoice items (stripe-adjustment-items.ts).
 */
export interface MeteredLineTarget {
  eventName: string;
  formula: StripeMeterFormula;
  period: Period;
  /** The ledger's aggregate for the line so far, decimal text. */
  quantity: string;
}

export interface RecordedMeterEvent {
  event_name: string;
  period_start: Date;
  seq: number;
  identifier: string;
  customer_id: string;
  value: string;
  total: string;
  event_at: Date;
  sent_at: Date | null;
}

export interface PlannedMeterEvent {
  event_name: string;
  period_start: Date;
  seq: number;
  identifier: string;
  customer_id: string;
  value: string;
  total: string;
  event_at: Date;
}

/** Stripe refuses events older than 35 days or more than 5 minutes ahead. */
export const meterEventMaxAgeMs = 35 * 86_400_000;

export function planMeterEvents(options: {
  accountId: string;
  customerId: string;
  lines: MeteredLineTarget[];
  recorded: RecordedMeterEvent[];
  now: Date;
}): { resend: RecordedMeterEvent[]; send: PlannedMeterEvent[]; drift: DriftEntry[] } {
  const { accountId, customerId, now } = options;
  const drift: DriftEntry[] = [];
  const resend: RecordedMeterEvent[] = [];
  for (const row of options.recorded) {
    if (row.sent_at !== null) continue;
    if (now.getTime() - row.event_at.getTime() > meterEventMaxAgeMs) {
      drift.push({
        kind: "meter_event_expired",
        detail: `${row.identifier} (${row.event_name}) is past Stripe's 35 days and was never confirmed`,
      });
    } else resend.push(row);
  }
  const send: PlannedMeterEvent[] = [];
  for (const line of options.lines) {
    const key = `${line.eventName} ${line.period.start.toISOString()}`;
    const rows = options.recorded.filter(
      (r) =>
        r.event_name === line.eventName && r.period_start.getTime() === line.period.start.getTime(),
    );
    const last = rows.at(-1);
    const ledger = parseDecimal(line.quantity);
    if (ledger?.den !== 1n) {
      drift.push({ kind: "meter_usage_fraction", detail: `${key}: ${line.quantity} is not whole` });
      continue;
    }
    const base: Rational = last ? (parseDecimal(last.total) ?? rational(0)) : rational(0);
    const order = compareR(ledger, base);
    if (order === 0) continue;
    let value: Rational;
    if (line.formula === "sum") {
      if (order < 0) {
        drift.push({
          kind: "meter_usage_decreased",
          detail: `${key}: Stripe holds ${decimalText(base)}, the ledger ${line.quantity}`,
        });
        continue;
      }
      value = subR(ledger, base);
    } else value = ledger;
    const seq = (last?.seq ?? 0) + 1;
    const total = decimalText(ledger);
    // Within the line's period (its last second once the period is over: the grace hour), and a
    // second after the previous event so that a `last` meter's order is the ledger's.
    const periodLast = line.period.end.getTime() - 1000;
    let at = Math.min(Math.floor(now.getTime() / 1000) * 1000, periodLast);
    if (last) at = Math.max(at, Math.min(last.event_at.getTime() + 1000, periodLast));
    send.push({
      event_name: line.eventName,
      period_start: line.period.start,
      seq,
      identifier: meterEventIdentifier({
        accountId,
        eventName: line.eventName,
        period: line.period,
        seq,
        total,
      }),
      customer_id: customerId,
      value: decimalText(value),
      total,
      event_at: new Date(at),
    });
  }
  return { resend, send, drift };
}

/** Deterministic, ≤ 100 characters (Stripe's limit). */
export function meterEventIdentifier(options: {
  accountId: string;
  eventName: string;
  period: Period;
  seq: number;
  total: string;
}): string {
  const { accountId, eventName, period, seq, total } = options;
  const digest = createHash("sha256")
    .update([accountId, eventName, period.start.toISOString(), seq, total].join("\u0000"))
    .digest("hex")
    .slice(0, 48);
  return `ktrlplane_${digest}`;
}
