import type { FastifyInstance, FastifyRequest } from "fastify";
import type { z } from "zod";
import type { AppContext } from "../context.js";
import type { UserRow } from "../db/users.js";
import { AppError } from "../domain/errors.js";
import { createAuthenticator } from "../identity/authenticate.js";
import { validationError } from "./problem.js";

export interface HandlerInput<Body, Query> {
  ctx: AppContext;
  /** The authenticated caller; routes with `auth: false` never read it. */
  user: UserRow;
  body: Body;
  query: Query;
  params: Record<string, string>;
  request: FastifyRequest;
}

/** A response with a status other than the route's default. */
export class Respond {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

export interface RouteSpec<Body = unknown, Query = unknown> {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Fastify style: `/v1/projects/:id`. */
  url: string;
  summary: string;
  tag: string;
  auth?: boolean;
  body?: z.ZodType<Body>;
  query?: z.ZodType<Query>;
  /** Documents the success body in the OpenAPI document. */
  response?: z.ZodType;
  status?: number;
  handler: (input: HandlerInput<Body, Query>) => Promise<unknown>;
}

/** Keeps type inference per route while the registry holds them all. */
export function route<Body = undefined, Query = undefined>(
  spec: RouteSpec<Body, Query>,
): RouteSpec {
  return spec as unknown as RouteSpec;
}

/**
 * Registers the routes: authentication, then the same zod schemas that the OpenAPI document is
 * generated from validate the body and the query. Errors flow to the one problem+json handler.
 */
export function registerRoutes(options: {
  app: FastifyInstance;
  ctx: AppContext;
  routes: RouteSpec[];
}): void {
  const { app, ctx, routes } = options;
  const authenticate = createAuthenticator({ db: ctx.db });
  for (const spec of routes) {
    app.route({
      method: spec.method,
      url: spec.url,
      handler: async (request, reply) => {
        const user =
          spec.auth === false
            ? (undefined as unknown as UserRow)
            : await authenticate(request.headers.authorization);
        const params = request.params as Record<string, string>;
        // Ids are ours: anything that cannot be one names nothing that exists.
        if (Object.values(params).some((id) => id.length > 100 || id.includes("\u0000"))) {
          throw new AppError({ code: "not_found", message: "Not found" });
        }
        const body = parse({ schema: spec.body, value: request.body ?? {} });
        const query = parse({ schema: spec.query, value: request.query ?? {} });
        const result = await spec.handler({
          ctx,
          user,
          body,
          query,
          params,
          request,
        });
        if (result instanceof Respond) {
          if (result.body === undefined) return reply.status(result.status).send();
          return reply.status(result.status).send(result.body);
        }
        if (result === undefined) return reply.status(spec.status ?? 204).send();
        return reply.status(spec.status ?? 200).send(result);
      },
    });
  }
}

function parse(options: { schema: z.ZodType | undefined; value: unknown }): unknown {
  if (!options.schema) return undefined;
  const parsed = options.schema.safeParse(options.value);
  if (!parsed.success) throw validationError({ error: parsed.error });
  const nul = pathOfNul(parsed.data, []);
  if (nul) {
    // PostgreSQL text cannot hold U+0000: refuse it here, naming the field, rather than fail later.
    const field = nul.join(".");
    throw new AppError({
      code: "validation_failed",
      message: `${field}: must not contain a NUL character`,
      field,
    });
  }
  return parsed.data;
}

function pathOfNul(value: unknown, path: string[]): string[] | undefined {
  if (typeof value === "string") return value.includes("\u0000") ? path : undefined;
  if (value && typeof value === "object") {
    for (const [key, inner] of Object.entries(value)) {
      const found = pathOfNul(inner, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}
