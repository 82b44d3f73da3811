import { expect, it } from "vitest";
import { describeStripeApp, signUpWithSyncedGraph } from "../support/stripe-mode.js";

/**
 * The provider's charges for the period are read from every page of the customer's invoices:
 * an account with more than 100 invoices in the month (here 102 immediate proration invoices,
 * made in Stripe by hand) is compared whole, the oldest invoice — the subscription's first —
 * included.
 */
describeStripeApp(
  "Stripe's period charges with more than a page of invoices",
  { seed: 4100, debounceMs: 50, maxWaitMs: 2000 },
  (suite) => {
    it("reads every invoice of the period", async () => {
      const { emulator, app, stripeApp } = suite;
      stripeApp.setClocks("2026-11-02T00:00:00Z");
      const { api, accountId } = await signUpWithSyncedGraph({
        app,
        emulator,
        projectName: "Pages",
      });

      const sub = [...emulator.state.subscriptions.values()].find(
        (s) => s.metadata.ktrlplane_billing_account_id === accountId,
      );
      const itemId = sub?.items.data[0]?.id as string;
      const stripe = emulator.client();
      stripeApp.setClocks("2026-11-10T00:00:00Z");
      for (let i = 0; i < 102; i++) {
        await stripe.subscriptionItems.update(itemId, {
          quantity: i % 2 === 0 ? 2 : 1,
          proration_behavior: "always_invoice",
        });
      }

      const synced = await api.post(`/v1/billing-accounts/${accountId}/sync`);
      expect(synced.status).toBe(200);
      const november = synced.body.money_drift;
      expect(november.period.start).toBe("2026-11-01T00:00:00.000Z");
      // Stripe's November charges counted independently from the emulator's own invoices.
      const start = Date.parse("2026-11-01T00:00:00Z") / 1000;
      const end = Date.parse("2026-12-01T00:00:00Z") / 1000;
      const invoices = [...emulator.state.invoices.values()].filter(
        (i) => i.customer === sub?.customer && i.status !== "void",
      );
      expect(invoices.length).toBeGreaterThan(100);
      const expected = invoices
        .flatMap((i) => i.lines.data)
        .filter((l) => l.period.start >= start && l.period.end <= end)
        .reduce((sum, l) => sum + l.amount, 0);
      expect(november.total.provider).toBe(expected);
    });
  },
);
