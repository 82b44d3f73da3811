import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { readReconcilerBacklog } from "../db/account-sync.js";
import type { Queryable } from "../db/database.js";

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

const costQueriesWaited = new Counter({
  name: "ktrlplane_cost_queries_waited_total",
  help: "Cost queries (reads of a whole organization's or account's ledger or usage) that waited for a turn (KTRLPLANE_COST_QUERIES_AT_ONCE were running)",
  registers: [metricsRegistry],
});

/** For `costQueryTurns`: one cost query had to wait for a turn. */
export function recordCostQueryWaited(): void {
  costQueriesWaited.inc();
}

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

/** For the HTTP layer: one answered request, labelled by its route pattern. */
export function recordHttpResponse(options: {
  method: string;
  route: string;
  status: number;
  seconds: number;
}): void {
  const labels = { method: options.method, route: options.route, status: String(options.status) };
  httpRequests.inc(labels);
  httpDuration.observe(labels, options.seconds);
}

/** Reads the reconciler's state into the gauges (see `readReconcilerBacklog`). */
export async function collectReconcilerGauges(db: Queryable): Promise<void> {
  const backlog = await readReconcilerBacklog({ db });
  pendingAccounts.set(backlog.pendingAccounts);
  reconcilerLag.set(backlog.lagSeconds);
  writesThisHour.set(backlog.writesThisHour);
  maxWritesThisHour.set(backlog.maxWritesThisHour);
  deferredAccounts.set(backlog.deferredAccounts);
}
