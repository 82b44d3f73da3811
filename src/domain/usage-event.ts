import type { Meter } from "./meter.js";

/** Why one event of a batch was refused; the others still land. */
export const usageRejections = [
  "unknown_resource",
  "unknown_meter",
  "invalid_value",
  "invalid_timestamp",
  "timestamp_in_future",
  "timestamp_out_of_range",
  "missing_property",
  "id_reused",
] as const;
export type UsageRejection = (typeof usageRejections)[number];

export type PropertyValue = string | number | boolean | null;

export interface UsageEventInput {
  id: string;
  resource_id: string;
  event_name: string;
  value: number | string;
  timestamp: string;
  properties?: Record<string, PropertyValue> | undefined;
}

/** An event in canonical form: what is stored, and what "same content" compares. */
export interface CanonicalUsageEvent {
  id: string;
  resource_id: string;
  event_name: string;
  /** A plain decimal without superfluous zeros: `1.5`, never `1.50` or `15e-1`. */
  value: string;
  timestamp: Date;
  properties: Record<string, PropertyValue>;
  /** unique_count meters: the counted property's value, as text. */
  distinct_value: string | null;
}

export type EventCheck =
  | { ok: true; event: CanonicalUsageEvent }
  | { ok: false; code: UsageRejection; message: string };

/** Clocks drift: an event may be dated this far past our "now" (Stripe allows the same). */
export const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;
const MAX_INTEGER_DIGITS = 18;
const MAX_FRACTION_DIGITS = 12;

function reject(code: UsageRejection, message: string): EventCheck {
  return { ok: false, code, message };
}

/**
 * A non-negative decimal as canonical text, or null. Numbers are taken by their shortest
 * round-trip text (what JSON carried), so 0.1 stays exactly 0.1 — never a binary fraction.
 */
export function canonicalDecimal(value: number | string): string | null {
  const text = typeof value === "number" ? (Number.isFinite(value) ? String(value) : "") : value;
  const match = /^(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match) return null;
  let digits = (match[1] ?? "") + (match[2] ?? "");
  let point = (match[1] ?? "").length + Number(match[3] ?? 0);
  if (Math.abs(point) > 100) return null;
  if (point < 0) {
    digits = "0".repeat(-point) + digits;
    point = 0;
  }
  if (point > digits.length) digits += "0".repeat(point - digits.length);
  const integer = digits.slice(0, point).replace(/^0+(?=\d)/, "") || "0";
  const fraction = digits.slice(point).replace(/0+$/, "");
  if (integer.length > MAX_INTEGER_DIGITS || fraction.length > MAX_FRACTION_DIGITS) return null;
  return fraction ? `${integer}.${fraction}` : integer;
}

/** Same keys in the same order: two sendings of one event compare equal however keys were ordered. */
export function canonicalProperties(
  properties: Record<string, PropertyValue>,
): Record<string, PropertyValue> {
  return Object.fromEntries(Object.entries(properties).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * Checks one event against the meters and the instant it was received, without any I/O; whether
 * its resource exists and may be written is the caller's to check.
 */
export function checkUsageEvent(options: {
  input: UsageEventInput;
  meters: Map<string, Meter>;
  now: Date;
}): EventCheck {
  const { input, meters, now } = options;
  const meter = meters.get(input.event_name);
  if (!meter) return reject("unknown_meter", `No meter measures ${input.event_name}`);
  const value = canonicalDecimal(input.value);
  if (value === null) {
    return reject(
      "invalid_value",
      `value must be a non-negative decimal with at most ${MAX_INTEGER_DIGITS} integer and ${MAX_FRACTION_DIGITS} fraction digits`,
    );
  }
  const timestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(
    input.timestamp,
  )
    ? new Date(input.timestamp)
    : null;
  if (timestamp === null || Number.isNaN(timestamp.getTime())) {
    return reject("invalid_timestamp", "timestamp must be ISO 8601 with a time zone");
  }
  if (timestamp.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) {
    return reject("timestamp_in_future", "timestamp is more than 5 minutes ahead");
  }
  const properties = canonicalProperties(input.properties ?? {});
  let distinct: string | null = null;
  if (meter.property !== undefined) {
    const counted = properties[meter.property];
    if (typeof counted !== "string" && typeof counted !== "number") {
      return reject(
        "missing_property",
        `${meter.event_name} counts distinct values of properties.${meter.property}, a string or number`,
      );
    }
    distinct = String(counted);
  }
  return {
    ok: true,
    event: {
      id: input.id,
      resource_id: input.resource_id,
      event_name: input.event_name,
      value,
      timestamp,
      properties,
      distinct_value: distinct,
    },
  };
}

/**
 * An event may not be dated before its resource existed nor after it was deleted (the same
 * tolerance as for the future applies to the first, for clocks behind ours). This also bounds
 * the months the events table is partitioned into.
 */
export function withinResourceLife(options: {
  timestamp: Date;
  createdAt: Date;
  deletedAt: Date | null;
}): boolean {
  const at = options.timestamp.getTime();
  if (at < options.createdAt.getTime() - FUTURE_TOLERANCE_MS) return false;
  return options.deletedAt === null || at < options.deletedAt.getTime();
}
