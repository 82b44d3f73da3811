import type { Engine, Origin, Route } from "../engine.js";
import { invalidRequest, ParamError, resourceMissing } from "../errors.js";
import { paginate } from "../lists.js";
import type { Meter, MeterEvent, Price } from "../objects.js";
import { anything, int, listShape, obj, oneOf, parseParams, required, str } from "../params.js";

/**
 * Billing meters and meter events as Stripe documents them:
 * - A meter aggregates its events per customer over the billing period with `sum`, `count` or
 *   `last` (https://docs.stripe.com/billing/subscriptions/usage-based/meters/configure); an event
 *   name belongs to one active meter; a deactivated meter takes no events and no new prices
 *   (https://docs.stripe.com/api/billing/meter/deactivate).
 * - An event names its customer under the meter's `customer_mapping.event_payload_key`
 *   (default `stripe_customer_id`) and its value, a string, under
 *   `value_settings.event_payload_key` (default `value`); its timestamp lies within the past 35
 *   days and at most 5 minutes ahead; an `identifier` is unique for at least 24 h, a repeat within
 *   that window is taken once (https://docs.stripe.com/api/billing/meter-event/create).
 * - The value is a whole number: "The numerical usage value in the payload only accepts whole
 *   number values" (https://docs.stripe.com/billing/subscriptions/usage-based/recording-usage-api),
 *   of at most 15 significant digits, refused with a 400 since API 2026-04-22.dahlia
 *   (https://docs.stripe.com/changelog/dahlia/2026-04-22/billing-meter-event-values-validation).
 *   A fraction ("0.5") is refused, so fractional usage must reach Stripe scaled to whole units.
 * Stricter than Stripe, which validates most of these asynchronously and reports them later: an
 * event for no active meter, for an unknown customer, or whose value is not a whole non-negative
 * number of at most 15 digits is refused at once (negative values, which Stripe documents as a
 * correction of usage, are refused too: where the documents leave room, the emulator is the
 * stricter). A repeated identifier is answered like the first and counted once; after
 * 24 h the identifier is free again (Stripe promises no more), so a product that relied on
 * longer would double-count here.
 */
export function meteredUsage(
  engine: Engine,
  price: Price,
  customer: string,
  period: { start: number; end: number },
): number {
  const meter =
    price.recurring?.meter === null || price.recurring?.meter === undefined
      ? undefined
      : engine.state.meters.get(price.recurring.meter);
  if (meter === undefined) return 0;
  // Stable sort: events of one timestamp keep their arrival order, the last arrived is "last".
  const values = engine.state.meterEvents
    .filter(
      (e) =>
        e.event_name === meter.event_name &&
        e.payload[meter.customer_mapping.event_payload_key] === customer &&
        e.timestamp >= period.start &&
        e.timestamp < period.end,
    )
    .sort((a, b) => a.timestamp - b.timestamp)
    .map((e) => Number(e.payload[meter.value_settings.event_payload_key] ?? "0"));
  switch (meter.default_aggregation.formula) {
    case "count":
      return values.length;
    case "last":
      return values[values.length - 1] ?? 0;
    default:
      return values.reduce((a, b) => a + b, 0);
  }
}

/** The active meter that takes events named `eventName`. */
function activeMeterFor(engine: Engine, eventName: string): Meter | undefined {
  for (const m of engine.state.meters.values()) {
    if (m.event_name === eventName && m.status === "active") return m;
  }
  return undefined;
}

function setMeterStatus(engine: Engine, id: string, status: Meter["status"], origin: Origin) {
  const meter = engine.state.meters.get(id);
  if (meter === undefined) throw resourceMissing("billing.meter", id);
  if (status === "active" && meter.status !== "active") {
    const other = activeMeterFor(engine, meter.event_name);
    if (other !== undefined) {
      throw invalidRequest(
        `An active meter with event_name '${meter.event_name}' already exists: ${other.id}`,
      );
    }
  }
  const now = engine.clock.now();
  meter.status = status;
  meter.status_transitions.deactivated_at = status === "inactive" ? now : null;
  meter.updated = now;
  engine.recordEvent(
    status === "inactive" ? "billing.meter.deactivated" : "billing.meter.reactivated",
    meter,
    origin,
  );
  return structuredClone(meter);
}

export const meterRoutes: Route[] = [
  {
    method: "POST",
    path: "/v1/billing/meters",
    write: true,
    handle: ({ engine, params, origin }) => {
      const p = parseParams(
        {
          display_name: required(str()),
          event_name: required(str()),
          default_aggregation: required(obj({ formula: required(oneOf("count", "last", "sum")) })),
          customer_mapping: obj({
            event_payload_key: required(str()),
            type: required(oneOf("by_id")),
          }),
          value_settings: obj({ event_payload_key: required(str()) }),
          event_time_window: oneOf("day", "hour"),
        },
        params,
      );
      const existing = activeMeterFor(engine, p.event_name);
      if (existing !== undefined) {
        throw invalidRequest(
          `An active meter with event_name '${p.event_name}' already exists: ${existing.id}`,
          undefined,
          "event_name",
        );
      }
      const now = engine.clock.now();
      const meter: Meter = {
        id: `mtr_test_${engine.newId("x").slice(2)}`,
        object: "billing.meter",
        created: now,
        customer_mapping: p.customer_mapping ?? {
          event_payload_key: "stripe_customer_id",
          type: "by_id",
        },
        default_aggregation: p.default_aggregation,
        display_name: p.display_name,
        event_name: p.event_name,
        event_time_window: p.event_time_window ?? null,
        livemode: false,
        status: "active",
        status_transitions: { deactivated_at: null },
        updated: now,
        value_settings: p.value_settings ?? { event_payload_key: "value" },
      };
      engine.state.meters.set(meter.id, meter);
      engine.recordEvent("billing.meter.created", meter, origin);
      return structuredClone(meter);
    },
  },
  {
    method: "GET",
    path: "/v1/billing/meters/:id",
    write: false,
    handle: ({ engine, params, pathParams }) => {
      parseParams({}, params);
      const meter = engine.state.meters.get(pathParams.id as string);
      if (meter === undefined) throw resourceMissing("billing.meter", pathParams.id as string);
      return structuredClone(meter);
    },
  },
  {
    method: "GET",
    path: "/v1/billing/meters",
    write: false,
    handle: ({ engine, params }) => {
      const p = parseParams({ ...listShape, status: oneOf("active", "inactive") }, params);
      const all = [...engine.state.meters.values()].filter(
        (m) => p.status === undefined || m.status === p.status,
      );
      return paginate(all, p, "/v1/billing/meters");
    },
  },
  {
    method: "POST",
    path: "/v1/billing/meters/:id/deactivate",
    write: true,
    handle: ({ engine, params, pathParams, origin }) => {
      parseParams({}, params);
      return setMeterStatus(engine, pathParams.id as string, "inactive", origin);
    },
  },
  {
    method: "POST",
    path: "/v1/billing/meters/:id/reactivate",
    write: true,
    handle: ({ engine, params, pathParams, origin }) => {
      parseParams({}, params);
      return setMeterStatus(engine, pathParams.id as string, "active", origin);
    },
  },
  {
    method: "POST",
    path: "/v1/billing/meter_events",
    write: true,
    handle: ({ engine, params }) => {
      const p = parseParams(
        {
          event_name: required(str()),
          payload: required(anything()),
          identifier: str(),
          timestamp: int(0),
        },
        params,
      );
      const rawPayload = p.payload;
      if (typeof rawPayload !== "object") {
        throw new ParamError("Invalid object: payload must be a hash", { param: "payload" });
      }
      const payload: Record<string, string> = {};
      for (const [k, v] of Object.entries(rawPayload)) {
        if (typeof v !== "string")
          throw new ParamError(`Invalid string: payload[${k}]`, { param: `payload[${k}]` });
        payload[k] = v;
      }
      const meter = activeMeterFor(engine, p.event_name);
      if (meter === undefined) {
        throw invalidRequest(
          `No active meter was found for event_name '${p.event_name}'.`,
          undefined,
          "event_name",
        );
      }
      const customerKey = meter.customer_mapping.event_payload_key;
      const customer = payload[customerKey];
      if (customer === undefined || !engine.state.customers.has(customer)) {
        throw invalidRequest(
          `payload[${customerKey}] must name an existing customer.`,
          undefined,
          `payload[${customerKey}]`,
        );
      }
      const valueKey = meter.value_settings.event_payload_key;
      const value = payload[valueKey];
      if (value === undefined || !/^\d{1,15}$/.test(value)) {
        throw invalidRequest(
          `payload[${valueKey}] must be a whole number, as a string.`,
          undefined,
          `payload[${valueKey}]`,
        );
      }
      const now = engine.clock.now();
      const timestamp = p.timestamp ?? now;
      if (timestamp < now - 35 * 86400 || timestamp > now + 300) {
        throw invalidRequest(
          "Meter event timestamps must be within the past 35 days and no more than 5 minutes in the future.",
          undefined,
          "timestamp",
        );
      }
      const identifier = p.identifier ?? engine.newId("mev");
      const event: MeterEvent = {
        object: "billing.meter_event",
        created: now,
        event_name: p.event_name,
        identifier,
        livemode: false,
        payload,
        timestamp,
      };
      const duplicate = engine.state.meterEvents.find(
        (e) => e.identifier === identifier && now - e.created < 86400,
      );
      if (duplicate === undefined) engine.state.meterEvents.push(event);
      return structuredClone(duplicate ?? event);
    },
  },
];
