import { existsSync } from "node:fs";
import fastifyStatic from "@fastify/static";
import fastifySwagger from "@fastify/swagger";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import {
  isResponseSerializationError,
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
} from "fastify-type-provider-zod";
import type { OpenAPIV3_1 } from "openapi-types";
import type { AppContext } from "../context.js";
import { AppError } from "../domain/errors.js";
import { type RateLimit, registerRateLimit } from "../limits/rate-limit.js";
import { OneLinePerRequest } from "./access-log.js";
import { handleClientError } from "./client-errors.js";
import { connectionOptions } from "./connection-options.js";
import { parseJsonBody } from "./lone-surrogates.js";
import { registerMetrics } from "./metrics-route.js";
import { sendProblem, toAppError } from "./problem.js";
import { echoRequestId, requestIdOf } from "./request-id.js";
import {
  callerOf,
  errorToAnswer,
  type RouteSpec,
  registerRoutes,
  validatorCompiler,
} from "./route.js";
import { authRoutes } from "./routes/auth.js";
import { billingAccountRoutes } from "./routes/billing-accounts.js";
import { costRoutes } from "./routes/costs.js";
import { healthRoutes } from "./routes/health.js";
import { identityRoutes } from "./routes/identity.js";
import { invitationRoutes } from "./routes/invitations.js";
import { invoiceRoutes } from "./routes/invoices.js";
import { memberRoutes } from "./routes/members.js";
import { organizationRoutes } from "./routes/organizations.js";
import { pricingRoutes } from "./routes/pricing.js";
import { projectRoutes } from "./routes/projects.js";
import { providerSyncRoutes } from "./routes/provider-sync.js";
import { providerWebhookRoutes } from "./routes/provider-webhooks.js";
import { renameRoutes } from "./routes/renames.js";
import { resourceRoutes } from "./routes/resources.js";
import { usageRoutes } from "./routes/usage.js";
import { registerSecurityHeaders } from "./security-headers.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The body exactly as received: webhook signatures are computed over these bytes. */
    rawBody?: string;
  }
}

export const apiRoutes: RouteSpec[] = [
  ...authRoutes,
  ...identityRoutes,
  ...organizationRoutes,
  ...costRoutes,
  ...projectRoutes,
  ...resourceRoutes,
  ...billingAccountRoutes,
  ...invoiceRoutes,
  ...pricingRoutes,
  ...providerSyncRoutes,
  ...memberRoutes,
  ...invitationRoutes,
  ...renameRoutes,
  ...providerWebhookRoutes,
  ...healthRoutes,
  ...usageRoutes,
];

export async function buildServer(options: {
  ctx: AppContext;
  /** The built console (`dist/web`); served at `/` when present. */
  webDir?: string;
  extraRoutes?: RouteSpec[];
  /** A request (headers and body) must arrive within this; 30 s by default. */
  requestTimeoutMs?: number;
  /** When set, `GET /metrics` needs it as a bearer token; else only loopback clients may scrape. */
  metricsToken?: string;
  /** Fastify's `trustProxy` (`KTRLPLANE_TRUST_PROXY`): who may set `X-Forwarded-For`. */
  trustProxy?: false | number | string[];
  /** Requests per caller and window; none: unlimited. */
  rateLimit?: RateLimit;
}): Promise<FastifyInstance> {
  const { ctx } = options;
  const app = Fastify({
    // The context's logger: one pino instance, secrets redacted in observability/logger.ts.
    loggerInstance: ctx.log as FastifyBaseLogger,
    logController: new OneLinePerRequest(),
    bodyLimit: 1024 * 1024,
    trustProxy: trustedProxies(options.trustProxy ?? false),
    ...connectionOptions(options.requestTimeoutMs ?? 30_000),
    clientErrorHandler: handleClientError,
    genReqId: requestIdOf,
    // Errors raised before routing (a bad URL, an over-long parameter) are problems too.
    frameworkErrors: (error, _request, reply) => {
      const code = error.code === "FST_ERR_MAX_PARAM_LENGTH" ? "uri_too_long" : "bad_request";
      return sendProblem(reply, new AppError({ code, message: error.message }));
    },
  });

  registerSecurityHeaders(app);
  echoRequestId(app);
  registerMetrics({ app, db: ctx.db, token: options.metricsToken });

  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    request.rawBody = body as string;
    try {
      done(null, (body as string).length === 0 ? undefined : parseJsonBody(body as string));
    } catch {
      done(
        new AppError({ code: "malformed_json", message: "The request body is not valid JSON" }),
        undefined,
      );
    }
  });

  if (options.rateLimit) await registerRateLimit({ app, limit: options.rateLimit, callerOf });
  await registerApi({ app, ctx, routes: [...apiRoutes, ...(options.extraRoutes ?? [])] });
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

/** A number of hops as the function Fastify runs for one (its types only take the function). */
function trustedProxies(
  trust: false | number | string[],
): false | string[] | ((address: string, hop: number) => boolean) {
  return typeof trust === "number" ? (_address, hop) => hop < trust : trust;
}

/**
 * The API on a Fastify instance: zod validates requests and serializes responses
 * (`fastify-type-provider-zod`), @fastify/swagger builds the OpenAPI 3.1 document from the same
 * schemas (served at `/openapi.json`), and every error answers problem+json.
 */
export async function registerApi(options: {
  app: FastifyInstance;
  ctx: AppContext;
  routes: RouteSpec[];
}): Promise<void> {
  const { app } = options;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(async (raised, request, reply) => {
    const error = await errorToAnswer({ request, error: raised, db: options.ctx.db });
    const appError = toAppError(error);
    if (appError.code === "internal") {
      if (error instanceof Error && isResponseSerializationError(error as never)) {
        // A handler's result that does not match its response schema: a bug on our side.
        const issues = (error.cause as { issues?: unknown } | undefined)?.issues;
        request.log.error({ err: error, issues }, "response does not match its schema");
      } else {
        request.log.error({ err: error }, "unhandled error");
      }
    }
    return sendProblem(reply, appError);
  });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "ktrlplane",
        version: "0.1.0",
        description:
          "Control plane with resource-based billing. Amounts are integers in minor units of `currency`.",
      },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  registerRoutes(options);
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
}

/**
 * The OpenAPI document of the API, built without a database, a provider or a socket (for
 * generating the console's client): the same routes and schemas as the running server.
 */
export async function openApiDocument(): Promise<OpenAPIV3_1.Document> {
  const app = Fastify({ logger: false });
  const ctx = new Proxy({} as AppContext, {
    get() {
      throw new Error("openApiDocument() builds the document only: it serves no request");
    },
  });
  await registerApi({ app, ctx, routes: apiRoutes });
  await app.ready();
  const document = app.swagger() as OpenAPIV3_1.Document;
  await app.close();
  return document;
}
