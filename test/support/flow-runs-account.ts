import { expect } from "vitest";
import { finalizeDueInvoices } from "../../src/invoices/finalize-due-invoices.js";
import { completeSetup, type StripeAppSuite } from "./stripe-mode.js";
import type { ApiClient } from "./test-app.js";

/**
 * One customer's account in Stripe mode billing one flow/runs resource (the default catalog),
 * followed across months: the clocks move, usage is sent, months close on both sides. The fields
 * are filled in by `open` (and `customer` by `findCustomer`); `api` is the session of the latest
 * `at`.
 */
export function flowRunsAccount(options: {
  suite: StripeAppSuite;
  email: string;
  /** Whether the pass of `closeMonth` must succeed (false where Stripe is made to refuse it). */
  closeMonthPassSucceeds: boolean;
}) {
  const { suite, email } = options;
  const account = {
    api: undefined as unknown as ApiClient,
    accountId: "",
    customer: "",
    resourceId: "",

    /** Signs up at `at` with a project, completes payment set-up and creates the resource. */
    async open(open: { at: string; projectName: string }) {
      suite.stripeApp.setClocks(open.at);
      ({ api: account.api } = await suite.app.signUp({ email }));
      const project = (await account.api.post("/v1/projects", { name: open.projectName })).body;
      account.accountId = project.billing.billing_account_id;
      await completeSetup({
        api: account.api,
        emulator: suite.emulator,
        billingAccountId: account.accountId,
      });
      const r = await account.api.post("/v1/resources", {
        project_id: project.id,
        resource_type: "flow",
        sku: "runs",
        name: "flow",
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      account.resourceId = r.body.id;
    },

    /** Both clocks to `time`; a session does not last months, so sign in again. */
    async at(time: string) {
      suite.stripeApp.setClocks(time);
      const r = await suite.app
        .client()
        .post("/v1/auth/login", { email, password: "correct horse battery" });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      account.api = suite.app.client(r.body.token);
    },

    async send(id: string, value: number, timestamp: string) {
      const r = await account.api.post("/v1/usage", {
        events: [
          { id, resource_id: account.resourceId, event_name: "flow_runs", value, timestamp },
        ],
      });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.accepted, JSON.stringify(r.body)).toBe(1);
    },

    /** A pass now, as its answer came. */
    pass() {
      return account.api.post(`/v1/billing-accounts/${account.accountId}/sync`);
    },

    /** A pass that must succeed; its answer's body. */
    async sync() {
      const r = await account.pass();
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body;
    },

    /** Past the renewal's grace hour: Stripe finalizes, the ledger finalizes, a pass runs. */
    async closeMonth(monthStart: string) {
      await account.at(new Date(Date.parse(monthStart) + 2 * 3_600_000).toISOString());
      suite.emulator.tick();
      expect((await finalizeDueInvoices({ ctx: suite.app.ctx })).failed).toBe(0);
      if (options.closeMonthPassSucceeds) await account.sync();
      else await account.pass();
    },

    /** The Stripe customer of the account's subscription ("" before there is one). */
    findCustomer() {
      account.customer =
        [...suite.emulator.state.subscriptions.values()].find(
          (s) => s.metadata.ktrlplane_billing_account_id === account.accountId,
        )?.customer ?? "";
      return account.customer;
    },

    /** The customer's invoice items carrying ledger adjustment lines, as the emulator holds them. */
    adjustmentItems() {
      return [...suite.emulator.state.invoiceItems.values()].filter(
        (ii) => ii.customer === account.customer && ii.metadata.ktrlplane_invoice !== undefined,
      );
    },

    /** The customer's renewal invoice of the period ending at `end`. */
    renewalEnding(end: string) {
      return [...suite.emulator.state.invoices.values()].find(
        (i) =>
          i.customer === account.customer &&
          i.billing_reason === "subscription_cycle" &&
          i.period_end === Date.parse(end) / 1000,
      );
    },
  };
  return account;
}
