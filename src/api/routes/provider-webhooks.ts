import { z } from "zod";
import { handleProviderWebhook } from "../../webhooks/handle-provider-webhook.js";
import { route } from "../route.js";

export const providerWebhookRoutes = [
  route({
    method: "POST",
    url: "/v1/stripe/webhooks",
    summary:
      "Stripe webhook deliveries (signature-checked; each event taken once, as a trigger to re-sync)",
    tag: "billing",
    auth: false,
    errors: [413, 415, 503],
    response: z.object({ received: z.boolean(), duplicate: z.boolean() }),
    handler: async ({ ctx, request }) => {
      const signature = request.headers["stripe-signature"];
      const { duplicate } = await handleProviderWebhook({
        ctx,
        rawBody: request.rawBody ?? "",
        signature: typeof signature === "string" ? signature : undefined,
      });
      return { received: true, duplicate };
    },
  }),
];
