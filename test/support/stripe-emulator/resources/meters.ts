import type { Engine, Route } from "../engine.js";
import { invalidRequest, ParamError, resourceMissing } from "../errors.js";
import { paginate } from "../lists.js";
import type { Meter, MeterEvent, Price } from "../objects.js";
import { anything, int, listShape, obj, oneOf, parseParams, required, str } from "../params.js";

/**
 * Billing meters and meter events, minimal: meters are created and listed; events are stored
 * and summed into metered invoice lines. Simplified: an event reusing an `identifier` within
 * 24 h is accepted and ignored (counted once); events for unknown event names are accepted
 * (Stripe reports those asynchronously).
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
  const values = engine.state.meterEvents
    .filter(
      (e) =>
        e.event_name === meter.event_name &&
        e.payload[meter.customer_mapping.event_payload_key] === customer &&
        e.timestamp >= period.start &&
        e.timestamp < period.end,
    )
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
      for (const m of engine.state.meters.values()) {
        if (m.event_name === p.event_name && m.status === "active") {
          throw invalidRequest(
            `An active meter with event_name '${p.event_name}' already exists: ${m.id}`,
            undefined,
            "event_name",
          );
        }
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
