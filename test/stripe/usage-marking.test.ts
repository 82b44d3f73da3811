import { expect, it } from "vitest";
import { markMeteredAccounts } from "../../src/billing/mark-metered-accounts.js";
import { startReconciler } from "../../src/worker/reconciler-loop.js";
import type { StripeEmulator } from "../support/stripe-emulator/index.js";
import { describeStripeApp, signUpWithActiveAccount } from "../support/stripe-mode.js";
import type { ApiClient } from "../support/test-app.js";

/** A customer of ours as Stripe holds it: its id, and the usage its meter events add up to. */
function stripeCustomer(emulator: StripeEmulator, billingAccountId: string) {
  const customer = [...emulator.state.customers.values()].find(
    (c) => c.metadata.ktrlplane_billing_account_id === billingAccountId,
  );
  if (!customer) throw new Error(`no Stripe customer for ${billingAccountId}`);
  const usage = emulator.state.meterEvents
    .filter((e) => e.payload.stripe_customer_id === customer.id)
    .reduce((sum, e) => sum + Number(e.payload.value), 0);
  /** Requests that named the customer: a pass for its account reads or writes through it. */
  const requests = (since: number) =>
    emulator.requests
      .slice(since)
      .filter((r) => r.path.includes(customer.id) || JSON.stringify(r.params).includes(customer.id))
      .length;
  return { id: customer.id, usage, requests };
}

async function until(what: string, done: () => boolean): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Issue 10: the worker's usage round marks for a Stripe pass only the accounts whose usage changed
 * since the round before, not every account billed for a metered price. Here the loop's own round
 * runs once, at its start (an hour's interval); the test runs the rounds itself.
 */
describeStripeApp(
  "the usage round marks only accounts with new usage",
  { seed: 1026, debounceMs: 50, maxWaitMs: 2000, usageIntervalMs: 3_600_000 },
  (suite) => {
    const tenants: { api: ApiClient; accountId: string; resourceId: string }[] = [];
    let seq = 0;
    const send = async (tenant: (typeof tenants)[number], value: number) => {
      const r = await tenant.api.post("/v1/usage", {
        events: [
          {
            id: `evt-${++seq}`,
            resource_id: tenant.resourceId,
            event_name: "flow_runs",
            value,
            timestamp: "2026-11-10T09:01:00Z",
          },
        ],
      });
      expect(r.body.accepted, JSON.stringify(r.body)).toBe(1);
      return `evt-${seq}`;
    };

    it("marks the accounts that received usage, once", async () => {
      const { app, emulator, stripeApp } = suite;
      stripeApp.setClocks("2026-11-10T09:00:00Z");
      for (const name of ["a", "b"]) {
        const { api, project, accountId } = await signUpWithActiveAccount({
          app,
          emulator,
          projectName: `Metered ${name}`,
        });
        const r = await api.post("/v1/resources", {
          project_id: project.id,
          resource_type: "flow",
          sku: "runs",
          name: `runs-${name}`,
        });
        expect(r.status, JSON.stringify(r.body)).toBe(201);
        tenants.push({ api, accountId, resourceId: r.body.id });
      }
      const [a, b] = tenants as [(typeof tenants)[0], (typeof tenants)[0]];
      await send(a, 5);
      await send(b, 7);
      expect(await markMeteredAccounts({ ctx: app.ctx })).toBe(2);
      await until("both accounts' usage reached Stripe", () => {
        return (
          stripeCustomer(emulator, a.accountId).usage === 5 &&
          stripeCustomer(emulator, b.accountId).usage === 7
        );
      });
      // Nothing new: the next round marks nobody.
      expect(await markMeteredAccounts({ ctx: app.ctx })).toBe(0);
    });

    it("a round after usage for one account marks that one only: Stripe hears nothing of the other", async () => {
      const { app, emulator } = suite;
      const [a, b] = tenants as [(typeof tenants)[0], (typeof tenants)[0]];
      const since = emulator.requests.length;
      await send(a, 3);
      expect(await markMeteredAccounts({ ctx: app.ctx })).toBe(1);
      await until("a's new usage reached Stripe", () => {
        return stripeCustomer(emulator, a.accountId).usage === 8;
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(stripeCustomer(emulator, a.accountId).requests(since)).toBeGreaterThan(0);
      expect(stripeCustomer(emulator, b.accountId).requests(since)).toBe(0);
      expect(stripeCustomer(emulator, b.accountId).usage).toBe(7);
    });

    it("a void marks its account as usage does", async () => {
      const { app } = suite;
      const [a] = tenants as [(typeof tenants)[0]];
      const id = await send(a, 1);
      expect(await markMeteredAccounts({ ctx: app.ctx })).toBe(1);
      const voided = await a.api.post("/v1/usage/void", { ids: [id] });
      expect(voided.body.voided, JSON.stringify(voided.body)).toBe(1);
      expect(await markMeteredAccounts({ ctx: app.ctx })).toBe(1);
      expect(await markMeteredAccounts({ ctx: app.ctx })).toBe(0);
    });

    it("a worker that dies between marking and passing loses nothing: the next one passes", async () => {
      const { app, emulator, stripeApp } = suite;
      const [, b] = tenants as [(typeof tenants)[0], (typeof tenants)[0]];
      await stripeApp.reconciler.stop();
      await send(b, 100);
      // The round commits its marks, then the worker is gone before any pass.
      expect(await markMeteredAccounts({ ctx: app.ctx })).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(stripeCustomer(emulator, b.accountId).usage).toBe(7);
      // The change was taken with the marking: a new worker's round finds nothing to mark…
      expect(await markMeteredAccounts({ ctx: app.ctx })).toBe(0);
      // …and its passes still send the usage, from the marks the dead worker's round left.
      const next = startReconciler({
        ctx: app.ctx,
        debounceMs: 50,
        maxWaitMs: 2000,
        pollMs: 20,
        fullSyncIntervalMs: 3_600_000,
        concurrency: 2,
        usageIntervalMs: 3_600_000,
      });
      try {
        await until("b's usage reached Stripe through the new worker", () => {
          return stripeCustomer(emulator, b.accountId).usage === 107;
        });
      } finally {
        await next.stop();
      }
    });
  },
);
