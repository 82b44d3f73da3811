import { existsSync } from "node:fs";
import fastifyStatic from "@fastify/static";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { AppContext } from "../context.js";
import { AppError } from "../domain/errors.js";
import { buildOpenApi } from "./openapi.js";
import { sendProblem, toAppError } from "./problem.js";
import { type RouteSpec, registerRoutes } from "./route.js";
import { authRoutes } from "./routes/auth.js";
import { billingAccountRoutes } from "./routes/billing-accounts.js";
import { memberRoutes } from "./routes/members.js";
import { organizationRoutes } from "./routes/organizations.js";
import { pricingRoutes } from "./routes/pricing.js";
import { projectRoutes } from "./routes/projects.js";
import { providerSyncRoutes } from "./routes/provider-sync.js";
import { renameRoutes } from "./routes/renames.js";
import { resourceRoutes } from "./routes/resources.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The body exactly as received: webhook signatures are computed over these bytes. */
    rawBody?: string;
  }
}

export const apiRoutes: RouteSpec[] = [
  ...authRoutes,
  ...organizationRoutes,
  ...projectRoutes,
  ...resourceRoutes,
  ...billingAccountRoutes,
  ...pricingRoutes,
  ...providerSyncRoutes,
  ...memberRoutes,
  ...renameRoutes,
];

export async function buildServer(options: {
  ctx: AppContext;
  logLevel?: string;
  /** The built console (`dist/web`); served at `/` when present. */
  webDir?: string;
  extraRoutes?: RouteSpec[];
}): Promise<FastifyInstance> {
  const { ctx } = options;
  const app = Fastify({
    // The context's logger: one pino instance, secrets redacted in observability/logger.ts.
    loggerInstance: ctx.log as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    // Errors raised before routing (a bad URL, an over-long parameter) are problems too.
    frameworkErrors: (error, _request, reply) => {
      const code = error.code === "FST_ERR_MAX_PARAM_LENGTH" ? "uri_too_long" : "bad_request";
      return sendProblem(reply, new AppError({ code, message: error.message }));
    },
  });

  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    request.rawBody = body as string;
    try {
      done(null, (body as string).length === 0 ? undefined : JSON.parse(body as string));
    } catch {
      done(
        new AppError({ code: "malformed_json", message: "The request body is not valid JSON" }),
        undefined,
      );
    }
  });

  app.setErrorHandler((error, request, reply) => {
    const appError = toAppError(error);
    if (appError.code === "internal") request.log.error({ err: error }, "unhandled error");
    return sendProblem(reply, appError);
  });

  const routes = [...apiRoutes, ...(options.extraRoutes ?? [])];
  registerRoutes({ app, ctx, routes });
  const openApi = buildOpenApi({ routes, version: "0.1.0" });
  app.get("/openapi.json", async () => openApi);
  app.get("/healthz", async () => {
    await ctx.db.query("SELECT 1");
    return { status: "ok", database: ctx.db.kind, provider: ctx.provider.name };
  });

  const webDir = options.webDir && existsSync(options.webDir) ? options.webDir : undefined;
  if (webDir) await app.register(fastifyStatic, { root: webDir, wildcard: false });
  app.setNotFoundHandler((request, reply) => {
    // The console routes on the client: any other GET outside the API gets its index page.
    if (webDir && request.method === "GET" && !request.url.startsWith("/v1/")) {
      return reply.sendFile("index.html");
    }
    return sendProblem(
      reply,
      new AppError({
        code: "not_found",
        message: `No route ${request.method} ${request.url.split("?")[0]}`,
      }),
    );
  });
  return app;
}
