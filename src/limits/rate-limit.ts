import fastifyRateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { AppError } from "../domain/errors.js";

/** Requests one caller may make per window; the API answers 429 with `Retry-After` beyond. */
export interface RateLimit {
  max: number;
  windowMs: number;
}

/** Only the API is limited: health checks, metrics, the OpenAPI document and the console are not. */
export function isRateLimited(url: string): boolean {
  return url.startsWith("/v1/");
}

/**
 * Counts each caller's requests in a fixed window, in this process's memory: the authenticated
 * user or machine token (known once the route has authenticated the request, hence the
 * `preHandler` hook), else the client's address. On the routes that read the session in their
 * first statement the user is the one this process remembers for the token, unread yet; it
 * forgets it once the session has ended here (logged out here, or a read found it ended), so an
 * ended token's later requests are refused before this hook instead of spending its former
 * user's budget. Register before the routes.
 */
export async function registerRateLimit(options: {
  app: FastifyInstance;
  limit: RateLimit;
  callerOf: (request: FastifyRequest) => { id: string } | undefined;
}): Promise<void> {
  const { app, limit, callerOf } = options;
  await app.register(fastifyRateLimit, {
    max: limit.max,
    timeWindow: limit.windowMs,
    hook: "preHandler",
    allowList: (request) => !isRateLimited(request.url),
    keyGenerator: (request) => {
      const caller = callerOf(request);
      return caller ? `caller:${caller.id}` : `address:${request.ip}`;
    },
    errorResponseBuilder: (_request, context) =>
      new AppError({
        code: "rate_limited",
        message: `Too many requests: at most ${context.max} in a window; retry in ${context.after}`,
        details: { retry_after: Math.max(1, Math.ceil(context.ttl / 1000)) },
      }),
  });
}
