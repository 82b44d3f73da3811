import type { FastifyInstance, FastifyRequest } from "fastify";
import type { z } from "zod";
import type { AppContext } from "../context.js";
import type { UserRow } from "../db/users.js";
import { authenticate } from "../identity/authenticate.js";
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
  method: "GET" | "POST" | "PUT" | "DELETE";
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
  for (const spec of routes) {
    app.route({
      method: spec.method,
      url: spec.url,
      handler: async (request, reply) => {
        const user =
          spec.auth === false
            ? (undefined as unknown as UserRow)
            : await authenticate({ db: ctx.db, authorization: request.headers.authorization });
        const body = parse({ schema: spec.body, value: request.body ?? {}, prefix: undefined });
        const query = parse({ schema: spec.query, value: request.query ?? {}, prefix: undefined });
        const result = await spec.handler({
          ctx,
          user,
          body,
          query,
          params: request.params as Record<string, string>,
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

function parse(options: {
  schema: z.ZodType | undefined;
  value: unknown;
  prefix: string | undefined;
}): unknown {
  if (!options.schema) return undefined;
  const parsed = options.schema.safeParse(options.value);
  if (!parsed.success) throw validationError({ error: parsed.error, prefix: options.prefix });
  return parsed.data;
}
