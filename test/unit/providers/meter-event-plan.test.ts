import { describe, expect, it } from "vitest";
import {
  planMeterEvents,
  type RecordedMeterEvent,
} from "../../../src/providers/stripe/meter-event-plan.js";

const november = {
  start: new Date("2026-11-01T00:00:00Z"),
  end: new Date("2026-12-01T00:00:00Z"),
};
const now = new Date("2026-11-10T12:00:00.500Z");

function recorded(
  overrides: Partial<RecordedMeterEvent> & Pick<RecordedMeterEvent, "seq" | "total">,
): RecordedMeterEvent {
  return {
    event_name: "m",
    period_start: november.start,
    identifier: `id-${overrides.seq}`,
    customer_id: "cus_1",
    value: overrides.total,
    event_at: new Date("2026-11-05T00:00:00Z"),
    sent_at: new Date("2026-11-05T00:00:01Z"),
    ...overrides,
  };
}

const plan = (
  formula: "sum" | "last",
  quantity: string,
  rows: RecordedMeterEvent[],
  at: Date = now,
  valueDecimals = 0,
) =>
  planMeterEvents({
    accountId: "acc_1",
    customerId: "cus_1",
    lines: [{ eventName: "m", formula, period: november, quantity, valueDecimals }],
    recorded: rows,
    now: at,
  });

describe("meter events planned from the ledger's lines", () => {
  it("sends a sum meter the increase over the last recorded total, sent or not", () => {
    const rows = [
      recorded({ seq: 1, total: "100" }),
      recorded({ seq: 2, total: "150", sent_at: null }),
    ];
    const { resend, send, drift } = plan("sum", "170", rows);
    expect(resend.map((r) => r.identifier)).toEqual(["id-2"]);
    expect(send).toMatchObject([{ seq: 3, value: "20", total: "170" }]);
    expect(send[0]?.event_at.toISOString()).toBe("2026-11-10T12:00:00.000Z");
    expect(drift).toEqual([]);
  });

  it("is deterministic: the same state plans the same identifier; nothing when in step", () => {
    const rows = [recorded({ seq: 1, total: "100" })];
    expect(plan("sum", "130", rows).send[0]?.identifier).toBe(
      plan("sum", "130", rows).send[0]?.identifier,
    );
    expect(plan("sum", "100", rows).send).toEqual([]);
  });

  it("sends a last meter the current value, a second after the previous event", () => {
    const rows = [recorded({ seq: 1, total: "42", event_at: new Date("2026-11-10T12:00:00Z") })];
    const { send } = plan("last", "17", rows);
    expect(send).toMatchObject([{ seq: 2, value: "17", total: "17" }]);
    expect(send[0]?.event_at.toISOString()).toBe("2026-11-10T12:00:01.000Z");
  });

  it("dates usage sent in the grace hour at the period's last second", () => {
    const { send } = plan("sum", "5", [], new Date("2026-12-01T00:20:00Z"));
    expect(send[0]?.event_at.toISOString()).toBe("2026-11-30T23:59:59.000Z");
  });

  it("sends fractional usage scaled by its price's decimals: the running total, rounded once", () => {
    const first = plan("sum", "2.5", [], now, 3);
    expect(first.send).toMatchObject([{ value: "2500", total: "2.5" }]);
    expect(first.drift).toEqual([]);
    const rows = [recorded({ seq: 1, total: "2.5", value: "2500" })];
    expect(plan("sum", "2.75", rows, now, 3).send).toMatchObject([{ value: "250", total: "2.75" }]);
    expect(plan("last", "0.125", [], now, 3).send).toMatchObject([{ value: "125" }]);
    // Finer than the scale: the total is rounded (never each increment), and reported.
    const rounded = plan("sum", "2.0004", rows, now, 3);
    expect(rounded.send).toEqual([]);
    expect(rounded.drift[0]?.kind).toBe("meter_usage_rounded");
    expect(plan("sum", "2.5005", rows, now, 3).send).toMatchObject([
      { value: "1", total: "2.501" },
    ]);
    const whole = plan("sum", "2.5", [], now, 0);
    expect(whole.send).toMatchObject([{ value: "3", total: "3" }]);
    expect(whole.drift[0]?.kind).toBe("meter_usage_rounded");
  });

  it("reports what it cannot send: a decrease, too many digits, an unconfirmed event past 35 days", () => {
    expect(plan("sum", "90", [recorded({ seq: 1, total: "100" })]).drift[0]?.kind).toBe(
      "meter_usage_decreased",
    );
    const huge = plan("sum", "1000000000000", [], now, 6);
    expect(huge.send).toEqual([]);
    expect(huge.drift[0]?.kind).toBe("meter_usage_too_large");
    const old = recorded({
      seq: 1,
      total: "3",
      sent_at: null,
      event_at: new Date("2026-10-01T00:00:00Z"),
    });
    const expired = plan("sum", "3", [old], new Date("2026-11-06T00:00:01Z"));
    expect(expired.resend).toEqual([]);
    expect(expired.drift[0]?.kind).toBe("meter_event_expired");
  });
});
