import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Queryable } from "../db/database.js";
import { AppError } from "../domain/errors.js";

/**
 * Prometheus metrics, one registry per process. Counters other modules feed are exported as
 * functions (`recordLoginFailure`, `recordStripeResponse`); the reconciler's gauges are read
 * from the database on each scrape (two aggregate queries over small tables).
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: "ktrlplane_" });

const httpRequests = new Counter({
  name: "ktrlplane_http_requests_total",
  help: "HTTP requests answered, by method, route pattern and status",
  labelNames: ["method", "route", "status"] as const,
  registers: [metricsRegistry],
});

const httpDuration = new Histogram({
  name: "ktrlplane_http_request_duration_seconds",
  help: "Time to answer an HTTP request, by method, route pattern and status",
  labelNames: ["method", "route", "status"] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});

const loginFailures = new Counter({
  name: "ktrlplane_login_failures_total",
  help: "Log-in attempts refused (wrong e-mail or password, throttled)",
  labelNames: ["reason"] as const,
  registers: [metricsRegistry],
});

const stripeRequests = new Counter({
  name: "ktrlplane_stripe_requests_total",
  help: "Requests to Stripe answered, by HTTP method and status",
  labelNames: ["method", "status"] as const,
  registers: [metricsRegistry],
});

const stripeErrors = new Counter({
  name: "ktrlplane_stripe_errors_total",
  help: "Requests to Stripe answered with a 4xx or 5xx status (429s included)",
  registers: [metricsRegistry],
});

const stripeRateLimited = new Counter({
  name: "ktrlplane_stripe_rate_limited_total",
  help: "Requests to Stripe answered 429 (the SDK retries them)",
  registers: [metricsRegistry],
});

const stripeDuration = new Histogram({
  name: "ktrlplane_stripe_request_duration_seconds",
  help: "Time Stripe took to answer",
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20],
  registers: [metricsRegistry],
});

const pendingAccounts = new Gauge({
  name: "ktrlplane_reconciler_pending_accounts",
  help: "Billing accounts with changes not yet synced to the provider",
  registers: [metricsRegistry],
});

const reconcilerLag = new Gauge({
  name: "ktrlplane_reconciler_lag_seconds",
  help: "Age of the oldest unsynced change mark (0 when nothing is pending)",
  registers: [metricsRegistry],
});

const writesThisHour = new Gauge({
  name: "ktrlplane_provider_writes_this_hour",
  help: "Provider writes spent in the current hourly budget windows, summed over accounts",
  registers: [metricsRegistry],
});

const maxWritesThisHour = new Gauge({
  name: "ktrlplane_provider_writes_this_hour_max",
  help: "The most provider writes any one account spent in its current hourly window",
  registers: [metricsRegistry],
});

const deferredAccounts = new Gauge({
  name: "ktrlplane_reconciler_deferred_accounts",
  help: "Billing accounts waiting for their next attempt (budget spent or backing off)",
  registers: [metricsRegistry],
});

/** For the identity code: one refused log-in. */
export function recordLoginFailure(reason = "invalid_credentials"): void {
  loginFailures.inc({ reason });
}

/** For the Stripe adapter: one answer from Stripe (see `instrumentStripeClient`). */
export function recordStripeResponse(options: {
  method: string;
  status: number;
  elapsedMs?: number;
}): void {
  const { method, status } = options;
  stripeRequests.inc({ method: method.toUpperCase(), status: String(status) });
  if (status >= 400) stripeErrors.inc();
  if (status === 429) stripeRateLimited.inc();
  if (options.elapsedMs !== undefined) stripeDuration.observe(options.elapsedMs / 1000);
}

/** Reads the reconciler's state into the gauges; cheap aggregates over the sync tables. */
export async function collectReconcilerGauges(db: Queryable): Promise<void> {
  const [changes] = await db.query<{ accounts: string | number; lag: string | number | null }>(
    `SELECT count(DISTINCT billing_account_id) AS accounts,
            EXTRACT(EPOCH FROM (now() - min(changed_at)))::float8 AS lag
     FROM ktrlplane.billing_account_changes`,
  );
  pendingAccounts.set(Number(changes?.accounts ?? 0));
  reconcilerLag.set(Math.max(0, Number(changes?.lag ?? 0)));
  const [budget] = await db.query<{
    writes: string | number | null;
    max_writes: string | number | null;
    deferred: string | number;
  }>(
    `SELECT sum(writes_in_window) FILTER (WHERE budget_window_start > now() - interval '1 hour') AS writes,
            max(writes_in_window) FILTER (WHERE budget_window_start > now() - interval '1 hour') AS max_writes,
            count(*) FILTER (WHERE next_attempt_at > now()) AS deferred
     FROM ktrlplane.billing_account_sync`,
  );
  writesThisHour.set(Number(budget?.writes ?? 0));
  maxWritesThisHour.set(Number(budget?.max_writes ?? 0));
  deferredAccounts.set(Number(budget?.deferred ?? 0));
}

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
  app.addHook("onResponse", async (request, reply) => {
    // The route's pattern (`/v1/projects/:id`), never the raw URL: ids would explode the series.
    const route = request.routeOptions.url ?? "unmatched";
    const labels = { method: request.method, route, status: String(reply.statusCode) };
    httpRequests.inc(labels);
    httpDuration.observe(labels, reply.elapsedTime / 1000);
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
