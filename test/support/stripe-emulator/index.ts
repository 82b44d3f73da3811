import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { createEmulatorClient, type EmulatorClientOptions } from "./client.js";
import { EmulatorClock } from "./clock.js";
import { createDashboard, type Dashboard } from "./dashboard.js";
import { Engine } from "./engine.js";
import { FaultInjector, type FaultSpec } from "./faults.js";
import { IdempotencyStore } from "./idempotency.js";
import type { CheckoutSession, StripeEvent } from "./objects.js";
import { seededRandom } from "./random.js";
import { RateLimiter } from "./rate-limiter.js";
import {
  isAppliedWrite,
  peakPerSecond,
  type RecordedRequest,
  type RequestFilter,
} from "./request-log.js";
import { billingPortalRoutes } from "./resources/billing-portal.js";
import { checkoutPages, checkoutRoutes, completeCheckoutSession } from "./resources/checkout.js";
import { customerRoutes } from "./resources/customers.js";
import { eventRoutes } from "./resources/events.js";
import { invoiceItemRoutes } from "./resources/invoice-items.js";
import { invoiceRoutes } from "./resources/invoices.js";
import { meterRoutes } from "./resources/meters.js";
import { priceRoutes } from "./resources/prices.js";
import { productRoutes } from "./resources/products.js";
import { applyElapsedTime } from "./resources/renewals.js";
import { subscriptionItemRoutes } from "./resources/subscription-items.js";
import { subscriptionRoutes } from "./resources/subscriptions.js";
import { createRequestHandler } from "./server.js";
import { EmulatorState, type EmulatorStateView } from "./state.js";

export type { EmulatorClientOptions } from "./client.js";
export { createEmulatorClient } from "./client.js";
export type { Dashboard } from "./dashboard.js";
export type { FaultInjector, FaultMatch, FaultRule, FaultSpec, Latency } from "./faults.js";
export type * from "./objects.js";
export { amountFor } from "./pricing.js";
export type { RecordedRequest, RequestFilter } from "./request-log.js";
export type { EmulatorStateView } from "./state.js";
export { signedEvent } from "./webhooks.js";

export interface StripeEmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Seeds fault injection and ids: same seed + same requests → same faults. */
  seed?: number;
  /** Requests per second per API key before 429 `rate_limit` (Stripe: 25 in sandboxes). */
  rateLimitPerSecond?: number;
  /** Global faults from the start; change them at runtime through `emulator.faults`. */
  faults?: FaultSpec;
  /** Delay before new/updated customers show up in search (Stripe: up to a minute). Default 0. */
  searchDelayMs?: number;
  /** Quantity-changing updates per subscription per hour (Stripe: 200); `null` disables. */
  quantityUpdatesPerHour?: number | null;
  /** How long idempotency keys are kept (Stripe: at least 24 h), against the emulator clock. */
  idempotencyTtlMs?: number;
}

export interface StripeEmulator {
  readonly url: string;
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
  /** Runtime fault injection: `faults.errorRate = 0.2`, `faults.once({ failAfterWriteRate: 1 }, { path })`. */
  readonly faults: FaultInjector;
  /** Every API request, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  readonly state: EmulatorStateView;
  /** Emulator time (Unix seconds); `advance()` moves it without waiting. */
  readonly clock: EmulatorClock;
  /** Drift and payment helpers acting "from the dashboard" (events with `request.id: null`). */
  readonly dashboard: Dashboard;
  /** Clears state, requests, idempotency keys, rate windows, faults and the clock offset. */
  reset(): void;
  /** Writes that changed state: executed (not replayed), successful, on a writing endpoint. */
  writeCount(filter?: RequestFilter): number;
  /** The most requests (matching `filter`) that arrived within any one second. */
  peakRequestsPerSecond(filter?: RequestFilter): number;
  /** Applies what the emulator clock's passing causes (renewals at period ends, their drafts
   * finalized an hour later, incomplete subscriptions expiring after 23 h); every API request
   * does this first, so call it only before reading `state` directly. */
  tick(): void;
  /** Finishes a setup Checkout Session as the customer would on the hosted page. */
  completeCheckoutSession(id: string): CheckoutSession;
  /** Recorded events, oldest first, optionally of one type. */
  events(type?: string): StripeEvent[];
  /** Changes the rate limit at runtime (`undefined` removes it). */
  setRateLimit(perSecond: number | undefined): void;
  /** A real SDK client pointed at this emulator. */
  client(options?: EmulatorClientOptions): Stripe;
}

export async function startStripeEmulator(
  options: StripeEmulatorOptions = {},
): Promise<StripeEmulator> {
  const host = options.host ?? "127.0.0.1";
  const seed = options.seed ?? Date.now();
  const state = new EmulatorState();
  const clock = new EmulatorClock();
  const engine = new Engine(state, clock, seededRandom(seed ^ 0x5eed), {
    apiVersion: Stripe.API_VERSION,
    searchDelayMs: options.searchDelayMs ?? 0,
    quantityUpdatesPerHour:
      options.quantityUpdatesPerHour === null ? undefined : (options.quantityUpdatesPerHour ?? 200),
  });
  const faults = new FaultInjector(seed);
  if (options.faults !== undefined) faults.set(options.faults);
  const idempotency = new IdempotencyStore(options.idempotencyTtlMs ?? 24 * 3600 * 1000, () =>
    clock.nowMs(),
  );
  const rateLimiter = new RateLimiter(options.rateLimitPerSecond);
  const requests: RecordedRequest[] = [];
  const pages = checkoutPages(engine);

  const handler = createRequestHandler({
    engine,
    routes: [
      ...customerRoutes,
      ...productRoutes,
      ...priceRoutes,
      ...subscriptionRoutes,
      ...subscriptionItemRoutes,
      ...invoiceRoutes,
      ...checkoutRoutes,
      ...billingPortalRoutes,
      ...eventRoutes,
      ...meterRoutes,
      ...invoiceItemRoutes,
    ],
    faults,
    idempotency,
    rateLimiter,
    requests,
    pages: (req, res) => pages(req, res),
  });
  const server = createServer((req, res) => {
    handler(req, res).catch((error: unknown) => {
      console.error("stripe-emulator: request failed", error);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host}:${port}`;
  engine.baseUrl = url;

  return {
    url,
    port,
    host,
    faults,
    requests,
    state,
    clock,
    dashboard: createDashboard(engine),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
    reset: () => {
      state.clear();
      requests.length = 0;
      idempotency.clear();
      rateLimiter.clear();
      faults.clear();
      clock.reset();
    },
    writeCount: (filter) =>
      requests.filter((r) => isAppliedWrite(r) && (filter?.(r) ?? true)).length,
    peakRequestsPerSecond: (filter) =>
      peakPerSecond(filter === undefined ? requests : requests.filter(filter)),
    tick: () => applyElapsedTime(engine),
    completeCheckoutSession: (id) => structuredClone(completeCheckoutSession(engine, id)),
    events: (type) =>
      [...state.events.values()].filter((e) => type === undefined || e.type === type),
    setRateLimit: (perSecond) => {
      rateLimiter.limitPerSecond = perSecond;
    },
    client: (clientOptions) => createEmulatorClient({ host, port }, clientOptions),
  };
}
