import { z } from "zod";
import { previewPrice } from "../../billing/preview-price.js";
import { summarizeMeter } from "../../domain/meter.js";
import type { PriceVersion } from "../../domain/price-versions.js";
import { priceKey } from "../../domain/pricing.js";
import { route } from "../route.js";
import {
  listOf,
  meterSummaryResponse,
  pricePreviewBody,
  pricePreviewResponse,
  timestamp,
} from "../schemas.js";

const priceFields = {
  billing_model: z.string(),
  unit_amount: z.number().int().nullable(),
  unit_amount_decimal: z
    .string()
    .optional()
    .describe('metered, instead of unit_amount: minor units as exact decimal text ("0.002")'),
  package_size: z.number().int().optional().describe("metered per package: units per package"),
  tiers_mode: z.enum(["graduated", "volume"]).optional(),
  tiers: z
    .array(
      z.object({
        up_to: z.number().int().nullable(),
        unit_amount: z.number().int(),
        flat_amount: z.number().int().optional(),
      }),
    )
    .optional(),
};

const versionSchema = z.object({
  version: z.number().int(),
  created_at: timestamp.describe("since when new resources take it, until a later version"),
  effective_from: timestamp
    .nullable()
    .describe("when resources on earlier versions move to it; null: they never do"),
  grandfathered: z.boolean().describe("resources on earlier versions keep their version"),
  scheduled: z.boolean().describe("the move of earlier resources to it is still ahead"),
  ...priceFields,
});

function presentVersion(v: PriceVersion, now: Date): z.infer<typeof versionSchema> {
  return {
    version: v.version,
    created_at: v.created_at,
    effective_from: v.effective_from,
    grandfathered: v.grandfathered,
    scheduled: v.effective_from !== null && v.effective_from.getTime() > now.getTime(),
    billing_model: v.price.billing_model,
    unit_amount: v.price.unit_amount,
    ...(v.price.unit_amount_decimal !== undefined
      ? { unit_amount_decimal: v.price.unit_amount_decimal }
      : {}),
    ...(v.price.package_size !== undefined ? { package_size: v.price.package_size } : {}),
    ...(v.price.tiers_mode ? { tiers_mode: v.price.tiers_mode } : {}),
    ...(v.price.tiers ? { tiers: v.price.tiers } : {}),
  };
}

export const pricingRoutes = [
  route({
    method: "GET",
    url: "/v1/resource-types",
    summary:
      "The catalog: resource types and their prices, each with its versions (the current one, the ones still billing and the scheduled moves)",
    tag: "pricing",
    response: listOf(
      z.object({
        type: z.string(),
        name: z.string(),
        skus: z.array(
          z.looseObject({
            sku: z.string(),
            version: z.number().int().describe("the price version new resources take"),
            scheduled_change: z
              .object({ version: z.number().int(), effective_from: timestamp })
              .nullable()
              .describe("when resources on earlier versions move to the current one, if ahead"),
            versions: z.array(versionSchema).describe("every version, oldest first"),
            meter: meterSummaryResponse
              .optional()
              .describe("metered prices: the meter whose month aggregate is billed"),
          }),
        ),
      }),
    ).extend({ currency: z.string() }),
    handler: async ({ ctx }) => {
      const now = ctx.clock();
      // The catalog names a meter by its event name only: the API says what it counts.
      const meterOf = (eventName: string | undefined) => {
        const meter = eventName === undefined ? undefined : ctx.catalog.meters.get(eventName);
        return meter ? { meter: summarizeMeter(meter) } : {};
      };
      return {
        currency: ctx.catalog.currency,
        data: ctx.catalog.resourceTypes.map((t) => ({
          type: t.type,
          name: t.name,
          skus: t.skus.map(({ meter, ...sku }) => {
            const versions = ctx.catalog.prices.get(priceKey(sku)) ?? [];
            const latest = versions.at(-1);
            const ahead =
              latest?.effective_from && latest.effective_from.getTime() > now.getTime()
                ? { version: latest.version, effective_from: latest.effective_from }
                : null;
            return {
              ...sku,
              version: latest?.version ?? 1,
              scheduled_change: ahead,
              versions: versions.map((v) => presentVersion(v, now)),
              ...meterOf(meter?.event_name),
            };
          }),
        })),
      };
    },
  }),
  route({
    method: "POST",
    url: "/v1/pricing/preview",
    summary:
      "What creating a resource now would cost, which account would pay, and when a scheduled price change applies",
    tag: "pricing",
    body: pricePreviewBody,
    errors: [403],
    response: pricePreviewResponse,
    handler: async ({ ctx, user, body }) =>
      previewPrice({ ctx, db: ctx.db, userId: user.id, input: body }),
  }),
];
