import { expect, it } from "vitest";
import { finalizeDueInvoices } from "../../src/invoices/finalize-due-invoices.js";
import { signedEvent } from "../support/stripe-emulator/index.js";
import { describeStripeApp, signUpWithSyncedGraph, webhookSecret } from "../support/stripe-mode.js";

// An invoice webhook is a trigger: the invoice is read from Stripe before the event is taken,
// so a read that fails takes nothing and Stripe's redelivery records it.
describeStripeApp(
  "Stripe invoice webhooks",
  { seed: 27, debounceMs: 50, maxWaitMs: 2000 },
  (suite) => {
    it("records the invoice from Stripe, not from the payload; a failed read takes nothing and the redelivery records it", async () => {
      const { emulator, app, stripeApp } = suite;
      stripeApp.setClocks("2026-11-20T00:00:00Z");
      const { api, accountId } = await signUpWithSyncedGraph({
        app,
        emulator,
        projectName: "Hooks",
      });
      stripeApp.setClocks("2026-12-01T02:00:00Z");
      emulator.tick();
      expect((await finalizeDueInvoices({ ctx: app.ctx })).finalized).toBe(1);
      const ledger = (await api.get(`/v1/billing-accounts/${accountId}/invoices`)).body.data[0];
      expect(ledger.provider).toBeNull();

      const customer = [...emulator.state.customers.values()].find(
        (c) => c.metadata.ktrlplane_billing_account_id === accountId,
      );
      const [finalized] = emulator
        .events("invoice.finalized")
        .filter((e) => (e.data.object as { customer: string }).customer === customer?.id);
      if (!finalized) throw new Error("no invoice.finalized");
      const invoiceId = (finalized.data.object as { id: string }).id;
      // A forged total in the payload changes nothing: the handler reads Stripe's.
      const event = structuredClone(finalized);
      (event.data.object as { total: number }).total = 1;
      const deliver = () => {
        const { payload, header } = signedEvent({ secret: webhookSecret, event });
        return app
          .client()
          .send("POST", "/v1/stripe/webhooks", payload, { "stripe-signature": header });
      };

      emulator.faults.add({ errorRate: 1, path: `/v1/invoices/${invoiceId}`, times: 10 });
      const failed = await deliver();
      expect(failed.status).toBeGreaterThanOrEqual(500);
      emulator.faults.clear();
      const redelivered = await deliver();
      expect(redelivered.status).toBe(200);
      expect(redelivered.body.duplicate).toBe(false);
      expect((await deliver()).body.duplicate).toBe(true);

      const detail = (await api.get(`/v1/invoices/${ledger.id}`)).body;
      const stripeInvoice = emulator.state.invoices.get(invoiceId);
      expect(detail.provider.invoices).toEqual([
        expect.objectContaining({
          id: invoiceId,
          number: stripeInvoice?.number,
          status: "paid",
          total: stripeInvoice?.total,
        }),
      ]);
      // 9,900 for 11 of November's 30 days, on both sides.
      expect(detail.total).toBe(3630);
      expect(Math.abs(detail.provider.total.drift)).toBeLessThanOrEqual(1);
    });
  },
);
