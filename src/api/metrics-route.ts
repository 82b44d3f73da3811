import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Queryable } from "../db/database.js";
import { AppError } from "../domain/errors.js";
import {
  collectReconcilerGauges,
  metricsRegistry,
  recordHttpResponse,
} from "../observability/metrics.js";

const loopback = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);

/**
 * Who may scrape: with a token configured, whoever presents it as a bearer token; without one,
 * only clients on this machine (a Prometheus or agent beside the server). Anyone else gets the
 * same 404 as any unknown URL: the endpoint's existence is not advertised.
 */
export function mayScrape(request: FastifyRequest, token: string | undefined): boolean {
  if (!token) return loopback.has(request.socket.remoteAddress ?? "");
  const given = request.headers.authorization?.match(/^Bearer (.+)$/)?.[1] ?? "";
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Request metrics on every route, and `GET /metrics`. */
export function registerMetrics(options: {
  app: FastifyInstance;
  db: Queryable;
  token?: string;
}): void {
  const { app, db, token } = options;
  app.addHook("onResponse", (request, reply, done) => {
    // The route's pattern (`/v1/projects/:id`), never the raw URL: ids would explode the series.
    recordHttpResponse({
      method: request.method,
      route: request.routeOptions.url ?? "unmatched",
      status: reply.statusCode,
      seconds: reply.elapsedTime / 1000,
    });
    done();
  });
  app.get("/metrics", async (request, reply) => {
    if (!mayScrape(request, token)) {
      throw new AppError({ code: "not_found", message: "No route GET /metrics" });
    }
    await collectReconcilerGauges(db);
    reply.header("cache-control", "no-store");
    return reply.type(metricsRegistry.contentType).send(await metricsRegistry.metrics());
  });
}
