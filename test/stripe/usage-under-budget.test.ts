import { expect, it } from "vitest";
import { describeStripeApp, signUpWithActiveAccount } from "../support/stripe-mode.js";

/**
 * The hourly write budget stands for Stripe's limit on subscription updates; meter events do not
 * count against it (https://stripe.com/docs/rate-limits). An account whose budget is spent still
 * has its usage sent, while its subscription changes wait for the window to end.
 */
describeStripeApp(
  "usage while the write budget is spent",
  { seed: 1022, debounceMs: 50, maxWaitMs: 1000, writesPerHour: 2 },
  (suite) => {
    it("sends meter events from a deferred pass, and holds the subscription change back", async () => {
      const { emulator, app, stripeApp } = suite;
      stripeApp.setClocks("2026-11-02T00:00:00Z");
      // The set-up's default payment method (write 1), the subscription (write 2): spent.
      const { api, project, accountId } = await signUpWithActiveAccount({
        app,
        emulator,
        projectName: "Budget",
      });
      const created = await api.post("/v1/resources", {
        project_id: project.id,
        resource_type: "flow",
        sku: "runs",
        name: "runs",
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      await api.post(`/v1/billing-accounts/${accountId}/sync`);
      const sync = (await api.get(`/v1/billing-accounts/${accountId}/sync`)).body;
      expect(sync.writes_this_hour, JSON.stringify(sync)).toBe(2);

      // A subscription change waits for the window; usage does not.
      stripeApp.setClocks("2026-11-02T06:00:00Z");
      await api.post("/v1/resources", {
        project_id: project.id,
        resource_type: "graph",
        sku: "standard",
        name: "graph",
      });
      const usage = await api.post("/v1/usage", {
        events: [
          {
            id: "budget-1",
            resource_id: created.body.id,
            event_name: "flow_runs",
            value: 25,
            timestamp: "2026-11-02T03:00:00Z",
          },
        ],
      });
      expect(usage.status, JSON.stringify(usage.body)).toBe(200);
      const itemsBefore = [...emulator.state.subscriptionItems.values()].length;
      const r = await api.post(`/v1/billing-accounts/${accountId}/sync`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      const after = (await api.get(`/v1/billing-accounts/${accountId}/sync`)).body;
      expect(after.deferred_until, JSON.stringify(after)).not.toBeNull();
      const sent = emulator.state.meterEvents.filter((e) => e.payload.value === "25");
      expect(sent.length).toBe(1);
      expect([...emulator.state.subscriptionItems.values()].length).toBe(itemsBefore);
    });
  },
);
