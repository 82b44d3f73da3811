import { afterAll, beforeAll, describe, expect } from "vitest";
import type { Database } from "../../src/db/database.js";
import { finalizeDueInvoices } from "../../src/invoices/finalize-due-invoices.js";
import type { BillingProvider } from "../../src/providers/billing-provider.js";
import { createStripeProvider } from "../../src/providers/stripe/stripe-provider.js";
import { type Reconciler, startReconciler } from "../../src/worker/reconciler-loop.js";
import { type StripeEmulator, startStripeEmulator } from "./stripe-emulator/index.js";
import { type ApiClient, startTestApp, type TestApp, type TestDatabase } from "./test-app.js";
import { testDatabaseAvailable } from "./test-database.js";

export const webhookSecret = "whsec_test_ktrlplane";

/** What Stripe holds for an account: price id → quantity over its live subscriptions. */
export function stripeQuantities(
  emulator: StripeEmulator,
  billingAccountId: string,
): Map<string, number> {
  const totals = new Map<string, number>();
  for (const sub of emulator.state.subscriptions.values()) {
    if (sub.metadata?.ktrlplane_billing_account_id !== billingAccountId) continue;
    if (sub.status === "canceled" || sub.status === "incomplete_expired") continue;
    for (const item of sub.items.data)
      totals.set(item.price.id, (totals.get(item.price.id) ?? 0) + (item.quantity ?? 0));
  }
  return totals;
}

/** Price id → quantity keyed by catalog price (`graph/standard`) instead, via price metadata. */
export function stripeQuantitiesByCatalogPrice(
  emulator: StripeEmulator,
  billingAccountId: string,
): Record<string, number> {
  const result: Record<string, number> = {};
  for (const [priceId, quantity] of stripeQuantities(emulator, billingAccountId)) {
    const key = emulator.state.prices.get(priceId)?.metadata?.ktrlplane_price ?? priceId;
    result[key] = (result[key] ?? 0) + quantity;
  }
  return result;
}

/**
 * The Stripe price made for a metered catalog price (`volume/standard`) at `version` (absent: of
 * several versions, the first created), and the events its meter took, as the emulator holds them.
 */
export function stripeMeterOf(options: {
  emulator: StripeEmulator;
  catalogPrice: string;
  version?: number;
}) {
  const { emulator, catalogPrice, version } = options;
  const price = [...emulator.state.prices.values()].find(
    (p) =>
      p.metadata.ktrlplane_price === catalogPrice &&
      p.recurring?.usage_type === "metered" &&
      (version === undefined || p.metadata.ktrlplane_price_version === String(version)),
  );
  const meter = emulator.state.meters.get(price?.recurring?.meter ?? "");
  const events = meter
    ? emulator.state.meterEvents.filter((e) => e.event_name === meter.event_name)
    : [];
  return { price, events, values: events.map((e) => e.payload.value) };
}

/** Waits until the reconciler has nothing pending for the account. */
export async function waitForSync(options: {
  api: ApiClient;
  billingAccountId: string;
  timeoutMs?: number;
}) {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  for (;;) {
    const sync = await options.api.get(`/v1/billing-accounts/${options.billingAccountId}/sync`);
    if (sync.status === 200 && sync.body.pending === 0 && sync.body.last_error === null)
      return sync.body;
    if (Date.now() > deadline)
      throw new Error(`account did not converge: ${JSON.stringify(sync.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Completes payment set-up as a customer would (Checkout in setup mode), then forces a pass. */
export async function completeSetup(options: {
  api: ApiClient;
  emulator: StripeEmulator;
  billingAccountId: string;
}) {
  const { api, emulator, billingAccountId } = options;
  const setup = await api.post(`/v1/billing-accounts/${billingAccountId}/setup`);
  if (setup.status !== 200) throw new Error(`set-up failed: ${JSON.stringify(setup.body)}`);
  emulator.completeCheckoutSession(setup.body.session_id);
  const sync = await api.post(`/v1/billing-accounts/${billingAccountId}/sync`);
  if (sync.status !== 200) throw new Error(`sync failed: ${JSON.stringify(sync.body)}`);
  const account = await api.get(`/v1/billing-accounts/${billingAccountId}`);
  if (account.body.status !== "active")
    throw new Error(`account not active: ${JSON.stringify(account.body)}`);
}

/** A new user's organization with a project, its account through Stripe set-up and active. */
export async function signUpWithActiveAccount(options: {
  app: TestApp;
  emulator: StripeEmulator;
  projectName: string;
  email?: string;
}): Promise<{ api: ApiClient; project: any; accountId: string }> {
  const { app, emulator } = options;
  const { api } = await app.signUp(options.email ? { email: options.email } : {});
  const project = (await api.post("/v1/projects", { name: options.projectName })).body;
  const accountId: string = project.billing.billing_account_id;
  await completeSetup({ api, emulator, billingAccountId: accountId });
  return { api, project, accountId };
}

/** `signUpWithActiveAccount`, then one graph/standard resource, in Stripe once this returns. */
export async function signUpWithSyncedGraph(options: {
  app: TestApp;
  emulator: StripeEmulator;
  projectName: string;
}): Promise<{ api: ApiClient; accountId: string }> {
  const { api, project, accountId } = await signUpWithActiveAccount(options);
  const created = await api.post("/v1/resources", {
    project_id: project.id,
    resource_type: "graph",
    sku: "standard",
    name: "g",
  });
  if (created.status !== 201) throw new Error(`create failed: ${JSON.stringify(created.body)}`);
  await waitForSync({ api, billingAccountId: accountId });
  return { api, accountId };
}

/**
 * Closes the month ending at `monthEnd` on both sides as they close in production: a pass in
 * Stripe's grace hour (the month's last usage reaches the meters), then Stripe's renewal and the
 * ledger's invoice finalized. The ledger's invoice (the account's latest), its metered lines and
 * what the renewal's metered lines bill, both by catalog price (`flow/runs`).
 */
export async function closeMeteredMonth(options: {
  suite: StripeAppSuite;
  api: ApiClient;
  billingAccountId: string;
  monthEnd: string;
}) {
  const { suite, api, billingAccountId } = options;
  const end = Date.parse(options.monthEnd);
  suite.stripeApp.setClocks(new Date(end + 30 * 60_000).toISOString());
  const sync = await api.post(`/v1/billing-accounts/${billingAccountId}/sync`);
  expect(sync.status, JSON.stringify(sync.body)).toBe(200);
  suite.stripeApp.setClocks(new Date(end + 2 * 3_600_000).toISOString());
  suite.emulator.tick();
  expect((await finalizeDueInvoices({ ctx: suite.app.ctx })).failed).toBe(0);

  const latest = (await api.get(`/v1/billing-accounts/${billingAccountId}/invoices`)).body.data[0];
  const invoice = (await api.get(`/v1/invoices/${latest.id}`)).body;
  const ledger: Record<string, { amount: number; usage: string }> = {};
  for (const line of invoice.lines) {
    if (line.usage_quantity !== null && line.usage_quantity !== undefined)
      ledger[`${line.resource_type}/${line.sku}`] = {
        amount: line.amount,
        usage: line.usage_quantity,
      };
  }
  const { emulator } = suite;
  const renewal = [...emulator.state.invoices.values()].find(
    (i) =>
      i.billing_reason === "subscription_cycle" &&
      i.period_end === end / 1000 &&
      i.parent?.subscription_details.metadata.ktrlplane_billing_account_id === billingAccountId,
  );
  const stripe: Record<string, number> = {};
  for (const line of renewal?.lines.data ?? []) {
    const price = emulator.state.prices.get(line.pricing?.price_details.price ?? "");
    if (price?.recurring?.usage_type !== "metered") continue;
    const key = price.metadata.ktrlplane_price ?? price.id;
    stripe[key] = (stripe[key] ?? 0) + line.amount;
  }
  return { invoice, ledger, renewal, stripe };
}

export interface StripeTestApp {
  emulator: StripeEmulator;
  app: TestApp;
  reconciler: Reconciler;
  /** Both clocks, the app's and the emulator's, on one instant. */
  setClocks(at: string): void;
  /** Both clocks moved forward together by whole days. */
  advanceDays(days: number): void;
  close(): Promise<void>;
}

/** Stripe mode's provider on the app's database: the real SDK pointed at the emulator. */
function emulatorProvider(options: {
  emulator: StripeEmulator;
  maxNetworkRetries: number;
  writesPerHour?: number;
}): (db: Database) => BillingProvider {
  const { emulator } = options;
  return (db) =>
    createStripeProvider({
      stripe: emulator.client({ maxNetworkRetries: options.maxNetworkRetries }),
      db,
      webhookSecret,
      requestsPerSecond: 1000,
      clock: () => new Date(emulator.clock.nowMs()),
      ...(options.writesPerHour ? { writesPerHour: options.writesPerHour } : {}),
    });
}

/**
 * The app in Stripe mode on `emulator` with the catalog file `catalogPath`, its clock at `at`: on
 * the database of `previous` when given (closed here, its database kept), as an operator deploys a
 * changed catalog; on a fresh one otherwise.
 */
export async function restartOnCatalog(options: {
  emulator: StripeEmulator;
  at: string;
  catalogPath: string;
  previous?: TestApp;
}): Promise<TestApp> {
  const db = options.previous?.db;
  await options.previous?.close({ keepDatabase: true });
  return startTestApp({
    at: options.at,
    catalogPath: options.catalogPath,
    ...(db ? { db } : {}),
    provider: emulatorProvider({ emulator: options.emulator, maxNetworkRetries: 3 }),
  });
}

/**
 * The app in Stripe mode: the real SDK pointed at a fresh emulator, and one reconciler loop
 * with a short debounce so that tests converge quickly.
 */
export async function startStripeTestApp(options: {
  seed: number;
  debounceMs: number;
  maxWaitMs: number;
  concurrency?: number;
  writesPerHour?: number;
  catalogPath?: string;
  /** How often the loop marks accounts billed for metered prices (their usage goes out). */
  usageIntervalMs?: number;
  /** The SDK's retries (default 3); 0 makes a lost answer fail the pass, as a crash would. */
  maxNetworkRetries?: number;
  /** Restart on the database of an app closed with `keepDatabase` (default: a fresh one). */
  db?: TestDatabase;
}): Promise<StripeTestApp> {
  const emulator = await startStripeEmulator({ seed: options.seed });
  const app = await startTestApp({
    ...(options.db ? { db: options.db } : {}),
    ...(options.catalogPath ? { catalogPath: options.catalogPath } : {}),
    provider: emulatorProvider({
      emulator,
      maxNetworkRetries: options.maxNetworkRetries ?? 3,
      ...(options.writesPerHour ? { writesPerHour: options.writesPerHour } : {}),
    }),
  });
  const reconciler = startReconciler({
    ctx: app.ctx,
    debounceMs: options.debounceMs,
    maxWaitMs: options.maxWaitMs,
    pollMs: 20,
    fullSyncIntervalMs: 3_600_000,
    concurrency: options.concurrency ?? 2,
    usageIntervalMs: options.usageIntervalMs ?? 250,
  });
  return {
    emulator,
    app,
    reconciler,
    setClocks(at) {
      app.clock.set(at);
      emulator.clock.set(Date.parse(at) / 1000);
    },
    advanceDays(days) {
      app.clock.advance({ days });
      emulator.clock.advance(days * 86_400);
    },
    async close() {
      await reconciler.stop();
      await app.close();
      await emulator.close();
    },
  };
}

/** What a `describeStripeApp` block's tests use; filled in before the first test runs. */
export interface StripeAppSuite {
  stripeApp: StripeTestApp;
  emulator: StripeEmulator;
  app: TestApp;
}

/**
 * A describe block around one app in Stripe mode (skipped without a test database): started
 * before its tests, closed after them. `body` registers the tests and reads the suite's fields
 * inside them.
 */
export function describeStripeApp(
  title: string,
  options: Parameters<typeof startStripeTestApp>[0],
  body: (suite: StripeAppSuite) => void,
): void {
  describe.skipIf(!testDatabaseAvailable)(title, () => {
    const suite = {} as StripeAppSuite;
    beforeAll(async () => {
      suite.stripeApp = await startStripeTestApp(options);
      suite.emulator = suite.stripeApp.emulator;
      suite.app = suite.stripeApp.app;
    });
    afterAll(async () => {
      await suite.stripeApp?.close();
    });
    body(suite);
  });
}
