import { expect, it } from "vitest";
import { finalizeDueInvoices } from "../../src/invoices/finalize-due-invoices.js";
import { completeSetup, describeStripeApp } from "../support/stripe-mode.js";
import type { ApiClient } from "../support/test-app.js";

/**
 * A correction of a month long past still reaches Stripe: an event dated five months back is
 * billed on the ledger's next invoice as an adjustment line, and that line goes to Stripe as one
 * invoice item however long it takes — here Stripe refuses invoice items for four months, past
 * any look-back a pass might have kept — and exactly once, a lost answer included.
 */
describeStripeApp(
  "a correction of a month long past reaches Stripe once",
  { seed: 1029, debounceMs: 50, maxWaitMs: 2000, maxNetworkRetries: 0 },
  (suite) => {
    let api: ApiClient;
    let accountId: string;
    let customer: string;
    let resourceId: string;

    const email = `old-${Date.now()}@example.com`;
    /** Both clocks to `time`; a session does not last months, so sign in again. */
    const at = async (time: string) => {
      suite.stripeApp.setClocks(time);
      const r = await suite.app
        .client()
        .post("/v1/auth/login", { email, password: "correct horse battery" });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      api = suite.app.client(r.body.token);
    };
    const send = async (id: string, value: number, timestamp: string) => {
      const r = await api.post("/v1/usage", {
        events: [{ id, resource_id: resourceId, event_name: "flow_runs", value, timestamp }],
      });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.accepted, JSON.stringify(r.body)).toBe(1);
    };
    const sync = () => api.post(`/v1/billing-accounts/${accountId}/sync`);
    /** Past the renewal's grace hour: Stripe finalizes, the ledger finalizes, a pass runs. */
    const closeMonth = async (monthStart: string) => {
      await at(new Date(Date.parse(monthStart) + 2 * 3_600_000).toISOString());
      suite.emulator.tick();
      expect((await finalizeDueInvoices({ ctx: suite.app.ctx })).failed).toBe(0);
      await sync();
    };
    const items = () =>
      [...suite.emulator.state.invoiceItems.values()].filter(
        (ii) => ii.customer === customer && ii.metadata.ktrlplane_invoice !== undefined,
      );
    const posts = () =>
      suite.emulator.requests.filter((r) => r.method === "POST" && r.path === "/v1/invoiceitems");

    it("June is billed through the meter, and invoiced by both sides", async () => {
      const { emulator, app, stripeApp } = suite;
      stripeApp.setClocks("2026-06-02T00:00:00Z");
      ({ api } = await app.signUp({ email }));
      const project = (await api.post("/v1/projects", { name: "Old" })).body;
      accountId = project.billing.billing_account_id;
      await completeSetup({ api, emulator, billingAccountId: accountId });
      const r = await api.post("/v1/resources", {
        project_id: project.id,
        resource_type: "flow",
        sku: "runs",
        name: "flow",
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      resourceId = r.body.id;
      await at("2026-06-05T00:00:00Z");
      await send("jun-1", 100, "2026-06-03T09:00:00Z");
      expect((await sync()).status).toBe(200);
      await closeMonth("2026-07-01T00:00:00Z");
      customer =
        [...emulator.state.subscriptions.values()].find(
          (s) => s.metadata.ktrlplane_billing_account_id === accountId,
        )?.customer ?? "";
      expect(customer).not.toBe("");
    });

    it("an event for June sent in November: its adjustment reaches Stripe in March, once", async () => {
      const { emulator } = suite;
      // July to October ran without usage: each side bills them (the ledger catches up at once).
      await closeMonth("2026-11-01T00:00:00Z");
      await at("2026-11-10T00:00:00Z");
      await send("jun-late", 50, "2026-06-20T12:00:00Z");
      // Stripe refuses invoice items (reads included) from now until March.
      const down = emulator.faults.add({ errorRate: 1, path: "/v1/invoiceitems" });
      await closeMonth("2026-12-01T00:00:00Z");
      const november = (await api.get(`/v1/billing-accounts/${accountId}/invoices`)).body.data.find(
        (i: { period: { start: string } }) => i.period.start === "2026-11-01T00:00:00.000Z",
      );
      const detail = (await api.get(`/v1/invoices/${november.id}`)).body;
      const adjustment = detail.lines.find((l: { kind: string }) => l.kind === "adjustment");
      expect(adjustment.amount).toBe(50 * 2);
      expect(adjustment.period.start).toBe("2026-06-01T00:00:00.000Z");
      for (const month of ["2027-01-01", "2027-02-01", "2027-03-01"])
        await closeMonth(`${month}T00:00:00Z`);
      expect(items()).toEqual([]);

      // Stripe takes items again, and its first answer is lost: the next pass asks again under
      // the same key and Stripe answers with the first item.
      await at("2027-03-05T00:00:00Z");
      down();
      const lost = emulator.faults.once({ failAfterWriteRate: 1 }, { path: "/v1/invoiceitems" });
      const deadline = Date.now() + 15_000;
      while (!posts().some((r) => r.fault === "failAfterWrite")) {
        if (Date.now() > deadline) throw new Error("no pass created the item");
        await sync();
      }
      lost();
      expect((await sync()).status).toBe(200);
      expect((await sync()).status).toBe(200);
      // Executed by Stripe: the one whose answer was lost; the retry was answered from its key.
      const executed = posts().filter((r) => r.fault !== "error" && !r.replayed);
      expect(executed.map((r) => r.fault)).toEqual(["failAfterWrite"]);
      expect(posts().filter((r) => r.replayed).length).toBeGreaterThan(0);
      expect(new Set(posts().map((r) => r.idempotencyKey)).size).toBe(1);
      expect(items().length).toBe(1);
      expect(items()[0]?.amount).toBe(adjustment.amount);
      expect(items()[0]?.metadata.ktrlplane_invoice).toBe(november.id);
      expect(items()[0]?.metadata.ktrlplane_invoice_line).toBe(String(adjustment.line_no));

      // On Stripe's next renewal, and never again after.
      await closeMonth("2027-04-01T00:00:00Z");
      const april = [...emulator.state.invoices.values()].find(
        (i) =>
          i.customer === customer &&
          i.billing_reason === "subscription_cycle" &&
          i.period_end === Date.parse("2027-04-01T00:00:00Z") / 1000,
      );
      expect(items()[0]?.invoice).toBe(april?.id);
      await closeMonth("2027-05-01T00:00:00Z");
      expect(items().length).toBe(1);
    });
  },
);
