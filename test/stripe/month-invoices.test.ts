import { expect, it } from "vitest";
import { finalizeDueInvoices } from "../../src/invoices/finalize-due-invoices.js";
import { signedEvent } from "../support/stripe-emulator/index.js";
import {
  completeSetup,
  describeStripeApp,
  waitForSync,
  webhookSecret,
} from "../support/stripe-mode.js";

/**
 * Issue 8's month in Stripe mode: creates, deletes and a billing switch (inherit → separate →
 * inherit) through November, both clocks moved together; after the month ends Stripe renews the
 * subscription (a draft at midnight, finalized and paid an hour later), the worker finalizes the
 * ledger's invoice, and Stripe's invoices are recorded next to it — from the webhooks for one
 * account, from the periodic pass for the other, whose webhooks never arrive. Stripe's lines for
 * November's service then equal the ledger's lines, ±1 minor unit per Stripe line (each of
 * Stripe's lines is rounded once; Stripe's writes trail the ledger's instants by milliseconds).
 */
describeStripeApp(
  "Stripe's invoice for a month equals the ledger's",
  { seed: 88, debounceMs: 50, maxWaitMs: 2000 },
  (suite) => {
    const setClocks = (at: string) => suite.stripeApp.setClocks(at);
    const advanceDays = (days: number) => suite.stripeApp.advanceDays(days);

    async function deliver(event: unknown) {
      const { payload, header } = signedEvent({ secret: webhookSecret, event });
      const response = await suite.app
        .client()
        .send("POST", "/v1/stripe/webhooks", payload, { "stripe-signature": header });
      expect(response.status).toBe(200);
    }

    it("a month of creates, deletes and inherit → separate → inherit, compared line by line", async () => {
      const { emulator, app } = suite;
      setClocks("2026-11-02T00:00:00Z");
      const { api } = await app.signUp();
      const main = (await api.post("/v1/projects", { name: "Main" })).body;
      const primaryId: string = main.billing.billing_account_id;
      const lab = (
        await api.post("/v1/projects", { name: "Lab", organization_id: main.organization_id })
      ).body;
      await completeSetup({ api, emulator, billingAccountId: primaryId });
      const department = await api.post(
        `/v1/organizations/${main.organization_id}/billing-accounts`,
        { name: "Research" },
      );
      expect(department.status).toBe(201);
      const separateId: string = department.body.id;
      await completeSetup({ api, emulator, billingAccountId: separateId });

      const live: string[] = [];
      const create = async (projectId: string, resource_type: string, n: number) => {
        for (let i = 0; i < n; i++) {
          const created = await api.post("/v1/resources", {
            project_id: projectId,
            resource_type,
            sku: "standard",
            name: `${resource_type}-${live.length}-${i}`,
          });
          expect(created.status, JSON.stringify(created.body)).toBe(201);
          live.push(created.body.id);
        }
      };
      const settle = async () => {
        await waitForSync({ api, billingAccountId: primaryId });
        await waitForSync({ api, billingAccountId: separateId });
      };

      await create(main.id, "graph", 2);
      await create(lab.id, "flow", 2);
      await settle();
      advanceDays(3);
      await create(lab.id, "graph", 1);
      await settle();
      advanceDays(4);
      const toSeparate = await api.put(`/v1/projects/${lab.id}/billing`, {
        mode: "separate",
        billing_account_id: separateId,
      });
      expect(toSeparate.status).toBe(200);
      await settle();
      advanceDays(5);
      const [firstMain] = live.splice(0, 1);
      expect((await api.delete(`/v1/resources/${firstMain}`)).status).toBeLessThan(300);
      await create(lab.id, "flow", 1);
      await settle();
      advanceDays(6);
      const back = await api.put(`/v1/projects/${lab.id}/billing`, { mode: "inherit" });
      expect(back.status).toBe(200);
      await settle();
      advanceDays(5);
      await create(main.id, "flow", 1);
      await settle();

      // The month ends: Stripe renews at midnight as a draft. Within its hour, December's charge
      // (on the draft) still compares equal with the ledger's upcoming invoice.
      setClocks("2026-12-01T00:30:00Z");
      expect((await api.post(`/v1/billing-accounts/${primaryId}/sync`)).status).toBe(200);
      const duringDraft = (await api.get(`/v1/billing-accounts/${primaryId}/sync`)).body
        .money_drift;
      expect(duringDraft.period.start).toBe("2026-12-01T00:00:00.000Z");
      expect(duringDraft.total.ledger).toBeGreaterThan(0);
      expect(duringDraft.total.drift).toBe(0);

      // Stripe finalizes an hour later; the ledger finalizes once the period has closed.
      setClocks("2026-12-01T02:00:00Z");
      emulator.tick();
      const round = await finalizeDueInvoices({ ctx: app.ctx });
      expect(round.failed).toBe(0);

      const customerOf = (accountId: string) =>
        [...emulator.state.customers.values()].find(
          (c) => c.metadata.ktrlplane_billing_account_id === accountId,
        )?.id;
      const primaryCustomer = customerOf(primaryId);
      // The primary account's invoices arrive as webhooks (each delivered twice: at least once).
      const invoiceEvents = emulator
        .events()
        .filter(
          (e) =>
            (e.type === "invoice.finalized" || e.type === "invoice.paid") &&
            (e.data.object as { customer: string }).customer === primaryCustomer,
        );
      expect(invoiceEvents.length).toBeGreaterThan(0);
      for (const event of [...invoiceEvents, ...invoiceEvents]) await deliver(event);
      // The separate account's never arrive: the periodic (full) pass records them.
      expect((await api.post(`/v1/billing-accounts/${separateId}/sync`)).status).toBe(200);

      for (const accountId of [primaryId, separateId]) {
        const list = await api.get(`/v1/billing-accounts/${accountId}/invoices`);
        expect(list.status).toBe(200);
        const [november] = list.body.data;
        expect(november.period.start).toBe("2026-11-01T00:00:00.000Z");
        expect(november.provider).not.toBeNull();
        const detail = (await api.get(`/v1/invoices/${november.id}`)).body;
        const provider = detail.provider;
        expect(provider).not.toBeNull();

        // Stripe's November lines, counted independently from the emulator's own invoices.
        const customer = customerOf(accountId);
        const start = Date.parse("2026-11-01T00:00:00Z") / 1000;
        const end = Date.parse("2026-12-01T00:00:00Z") / 1000;
        const stripeInvoices = [...emulator.state.invoices.values()].filter(
          (i) => i.customer === customer && i.status !== "draft" && i.status !== "void",
        );
        const novemberLines = stripeInvoices
          .flatMap((i) => i.lines.data)
          .filter((l) => l.period.start >= start && l.period.end <= end);
        expect(provider.total.provider).toBe(novemberLines.reduce((sum, l) => sum + l.amount, 0));
        expect(provider.total.ledger).toBe(detail.total);

        // Line by line: every ledger line has Stripe's counterpart, within rounding.
        expect(provider.lines.length).toBe(detail.lines.length);
        for (const line of provider.lines) {
          expect(line.ledger).toBeGreaterThan(0);
          expect(line.provider_lines).toBeGreaterThan(0);
          expect(Math.abs(line.drift)).toBeLessThanOrEqual(line.provider_lines);
        }
        for (const recorded of provider.invoices) {
          const stripeInvoice = emulator.state.invoices.get(recorded.id);
          expect(recorded).toMatchObject({
            number: stripeInvoice?.number,
            status: stripeInvoice?.status,
            hosted_invoice_url: stripeInvoice?.hosted_invoice_url,
            invoice_pdf: stripeInvoice?.invoice_pdf,
            total: stripeInvoice?.total,
          });
          expect(recorded.number).toMatch(/^[A-Z0-9]+-\d{4}$/);
        }
      }

      // The primary account's renewal (Stripe's invoice that closes November) is among them,
      // paid, with November's prorations and December in advance.
      const primaryNovember = (await api.get(`/v1/billing-accounts/${primaryId}/invoices`)).body
        .data[0];
      const renewal = primaryNovember.provider.invoices.find(
        (i: { billing_reason: string }) => i.billing_reason === "subscription_cycle",
      );
      expect(renewal).toMatchObject({
        status: "paid",
        period: { end: "2026-12-01T00:00:00.000Z" },
      });
    });
  },
);
