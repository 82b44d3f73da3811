import { z } from "zod";
import { previewPrice } from "../../billing/preview-price.js";
import { route } from "../route.js";
import { listOf, pricePreviewBody, pricePreviewResponse } from "../schemas.js";

export const pricingRoutes = [
  route({
    method: "GET",
    url: "/v1/resource-types",
    summary: "The catalog: resource types and their prices",
    tag: "pricing",
    response: listOf(
      z.object({
        type: z.string(),
        name: z.string(),
        skus: z.array(z.record(z.string(), z.unknown())),
      }),
    ).extend({ currency: z.string() }),
    handler: async ({ ctx }) => ({
      currency: ctx.catalog.currency,
      data: ctx.catalog.resourceTypes.map((t) => ({
        type: t.type,
        name: t.name,
        skus: t.skus.map((sku) => ({ ...sku })),
      })),
    }),
  }),
  route({
    method: "POST",
    url: "/v1/pricing/preview",
    summary: "What creating a resource now would cost, and which account would pay",
    tag: "pricing",
    body: pricePreviewBody,
    errors: [403],
    response: pricePreviewResponse,
    handler: async ({ ctx, user, body }) =>
      previewPrice({ ctx, db: ctx.db, userId: user.id, input: body }),
  }),
];
