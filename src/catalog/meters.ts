import { z } from "zod";
import { aggregations, type Meter } from "../domain/meter.js";
import type { Price } from "../domain/pricing.js";

const eventName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,99}$/, "lowercase letters, digits, _ . and -");

/**
 * `decimals`: how finely a meter's usage is billed by a provider whose usage records carry whole
 * numbers only — Stripe's meter events do ("The numerical usage value in the payload only accepts
 * whole number values", https://docs.stripe.com/billing/subscriptions/usage-based/recording-usage-api).
 * Such a provider is sent the period's aggregate × 10^decimals, rounded half up, and bills it at
 * the price divided by 10^decimals, so a meter of 0.5 GB-hours with `"decimals": 3` bills what the
 * ledger bills. Absent, it is 0: usage is whole for `count` and `unique_count` by definition and,
 * for most `sum`/`max`/`latest` meters (runs, requests, seats), whole too — and at 0 a provider's
 * invoice reads in the meter's own units ("1,200 runs"), not in thousandths. A meter whose values
 * carry fractions declares how many places it bills exactly; finer usage is rounded there (the
 * ledger still bills it exactly, the difference is reported as drift). At most 6: Stripe takes at
 * most 15 digits per value (https://docs.stripe.com/changelog/dahlia/2026-04-22/billing-meter-event-values-validation).
 * The local ledger bills every decimal of usage whatever this says. A change is a new version of
 * each price on the meter (`recordMeterScale` in load-catalog.ts).
 */
export const maxMeterDecimals = 6;

const meterSchema = z
  .looseObject({
    event_name: eventName,
    name: z.string().min(1).max(200),
    aggregation: z.enum(aggregations),
    property: z.string().min(1).max(100).optional(),
    unit_name: z.string().min(1).max(40).optional(),
    unit_name_plural: z.string().min(1).max(40).optional(),
    decimals: z.number().int().min(0).max(maxMeterDecimals).optional(),
  })
  .refine((m) => m.unit_name_plural === undefined || m.unit_name !== undefined, {
    message: "unit_name_plural needs unit_name",
    path: ["unit_name_plural"],
  })
  .refine((m) => (m.aggregation === "unique_count") === (m.property !== undefined), {
    message: "property is required for unique_count, and only there",
    path: ["property"],
  });

const fileSchema = z.looseObject({ meters: z.array(meterSchema).optional() });

/**
 * The catalog's top-level `meters`, by event name. Every metered price must name one of them:
 * a typo would otherwise bill nothing, silently.
 */
export function parseMeters(options: {
  json: unknown;
  prices: Map<string, Price>;
  source: string;
}): Map<string, Meter> {
  const parsed = fileSchema.safeParse(options.json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `Catalog ${options.source}: ${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`,
    );
  }
  const meters = new Map<string, Meter>();
  for (const [index, m] of (parsed.data.meters ?? []).entries()) {
    if (meters.has(m.event_name)) {
      throw new Error(
        `Catalog ${options.source}: meters.${index}.event_name: duplicate meter ${m.event_name}`,
      );
    }
    meters.set(m.event_name, {
      event_name: m.event_name,
      name: m.name,
      aggregation: m.aggregation,
      ...(m.property !== undefined ? { property: m.property } : {}),
      ...(m.unit_name !== undefined ? { unit_name: m.unit_name } : {}),
      ...(m.unit_name_plural !== undefined ? { unit_name_plural: m.unit_name_plural } : {}),
      ...(m.decimals !== undefined ? { decimals: m.decimals } : {}),
    });
  }
  for (const price of options.prices.values()) {
    if (price.meter && !meters.has(price.meter.event_name)) {
      throw new Error(
        `Catalog ${options.source}: ${price.resource_type}/${price.sku}: meter ${price.meter.event_name} is not declared in meters`,
      );
    }
  }
  return meters;
}
