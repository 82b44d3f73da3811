import { z } from "zod";
import { route } from "../route.js";

export const healthRoutes = [
  route({
    method: "GET",
    url: "/healthz",
    summary: "Liveness: the database answers",
    tag: "health",
    auth: false,
    response: z.object({
      status: z.literal("ok"),
      database: z.enum(["postgres", "pglite"]),
      provider: z.string(),
    }),
    handler: async ({ ctx }) => {
      await ctx.db.query("SELECT 1");
      return { status: "ok" as const, database: ctx.db.kind, provider: ctx.provider.name };
    },
  }),
];
