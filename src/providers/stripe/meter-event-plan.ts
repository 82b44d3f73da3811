import { createHash } from "node:crypto";
import type { Period } from "../../domain/billing-period.js";
import {
  compareR,
  decimalText,
  mulR,
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
 * Stripe takes whole numbers only (https://docs.stripe.com/billing/subscriptions/usage-based/recording-usage-api),
 * so a line is sent in units of 10^-valueDecimals, the scale its Stripe price was created with
 * (stripe-prices.ts): the running total × 10^valueDecimals, rounded half up once — the total,
 * not each increment, so roundings never add up. `total` stays in the meter's own units (what
 * Stripe's aggregate stands for), which is what the decrease credits price. A total finer than the
 * scale is sent rounded and reported (`meter_usage_rounded`); a value past Stripe's 15 digits is
 * reported and not sent. No negative value is sent (Stripe documents them as a correction,
 * https://docs.stripe.com/billing/subscriptions/usage-based/meters/configure, but bills a negative
 * cycle total as 0, and our emulator refuses them): a decrease (voided usage) is reported as
 * drift and credited by an invoice item once the month is closed (stripe-decrease-credits.ts);
 * usage or voids dated in a month Stripe already invoiced never reach the meters: the ledger's
 * adjustment lines go to Stripe as invoice items (stripe-adjustment-items.ts).
 */
export interface MeteredLineTarget {
  eventName: string;
  formula: StripeMeterFormula;
  period: Period;
  /** The ledger's aggregate for the line so far, decimal text. */
  quantity: string;
  /** The line's Stripe price takes usage × 10^valueDecimals. */
  valueDecimals: number;
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
    if (!ledger) {
      drift.push({ kind: "meter_usage_invalid", detail: `${key}: ${line.quantity}` });
      continue;
    }
    const scale = 10n ** BigInt(line.valueDecimals);
    // What Stripe's aggregate will stand for: the ledger's total at the scale, rounded half up.
    const held = rational((2n * ledger.num * scale + ledger.den) / (2n * ledger.den), scale);
    if (compareR(held, ledger) !== 0) {
      drift.push({
        kind: "meter_usage_rounded",
        detail: `${key}: ${line.quantity} is sent as ${decimalText(held)} (its Stripe price takes ${line.valueDecimals} decimal places)`,
      });
    }
    const base: Rational = last ? (parseDecimal(last.total) ?? rational(0)) : rational(0);
    const order = compareR(held, base);
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
      value = subR(held, base);
    } else value = held;
    const scaled = decimalText(mulR(value, rational(scale)));
    if (!/^\d{1,15}$/.test(scaled)) {
      drift.push({
        kind: "meter_usage_too_large",
        detail: `${key}: ${scaled} (the usage × 10^${line.valueDecimals}) is more than the 15 digits Stripe takes in a meter event`,
      });
      continue;
    }
    const seq = (last?.seq ?? 0) + 1;
    const total = decimalText(held);
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
      value: scaled,
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
