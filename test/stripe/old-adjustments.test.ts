import { expect, it } from "vitest";
import { flowRunsAccount } from "../support/flow-runs-account.js";
import { describeStripeApp } from "../support/stripe-mode.js";

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
    const t = flowRunsAccount({
      suite,
      email: `old-${Date.now()}@example.com`,
      closeMonthPassSucceeds: false,
    });
    const posts = () =>
      suite.emulator.requests.filter((r) => r.method === "POST" && r.path === "/v1/invoiceitems");

    it("June is billed through the meter, and invoiced by both sides", async () => {
      await t.open({ at: "2026-06-02T00:00:00Z", projectName: "Old" });
      await t.at("2026-06-05T00:00:00Z");
      await t.send("jun-1", 100, "2026-06-03T09:00:00Z");
      expect((await t.pass()).status).toBe(200);
      await t.closeMonth("2026-07-01T00:00:00Z");
      expect(t.findCustomer()).not.toBe("");
    });

    it("an event for June sent in November: its adjustment reaches Stripe in March, once", async () => {
      const { emulator } = suite;
      // July to October ran without usage: each side bills them (the ledger catches up at once).
      await t.closeMonth("2026-11-01T00:00:00Z");
      await t.at("2026-11-10T00:00:00Z");
      await t.send("jun-late", 50, "2026-06-20T12:00:00Z");
      // Stripe refuses invoice items (reads included) from now until March.
      const down = emulator.faults.add({ errorRate: 1, path: "/v1/invoiceitems" });
      await t.closeMonth("2026-12-01T00:00:00Z");
      const november = (
        await t.api.get(`/v1/billing-accounts/${t.accountId}/invoices`)
      ).body.data.find(
        (i: { period: { start: string } }) => i.period.start === "2026-11-01T00:00:00.000Z",
      );
      const detail = (await t.api.get(`/v1/invoices/${november.id}`)).body;
      const adjustment = detail.lines.find((l: { kind: string }) => l.kind === "adjustment");
      expect(adjustment.amount).toBe(50 * 2);
      expect(adjustment.period.start).toBe("2026-06-01T00:00:00.000Z");
      for (const month of ["2027-01-01", "2027-02-01", "2027-03-01"])
        await t.closeMonth(`${month}T00:00:00Z`);
      expect(t.adjustmentItems()).toEqual([]);

      // Stripe takes items again, and its first answer is lost: the next pass asks again under
      // the same key and Stripe answers with the first item.
      await t.at("2027-03-05T00:00:00Z");
      down();
      const lost = emulator.faults.once({ failAfterWriteRate: 1 }, { path: "/v1/invoiceitems" });
      const deadline = Date.now() + 15_000;
      while (!posts().some((r) => r.fault === "failAfterWrite")) {
        if (Date.now() > deadline) throw new Error("no pass created the item");
        await t.pass();
      }
      lost();
      expect((await t.pass()).status).toBe(200);
      expect((await t.pass()).status).toBe(200);
      // Executed by Stripe: the one whose answer was lost; the retry was answered from its key.
      const executed = posts().filter((r) => r.fault !== "error" && !r.replayed);
      expect(executed.map((r) => r.fault)).toEqual(["failAfterWrite"]);
      expect(posts().filter((r) => r.replayed).length).toBeGreaterThan(0);
      expect(new Set(posts().map((r) => r.idempotencyKey)).size).toBe(1);
      expect(t.adjustmentItems().length).toBe(1);
      expect(t.adjustmentItems()[0]?.amount).toBe(adjustment.amount);
      expect(t.adjustmentItems()[0]?.metadata.ktrlplane_invoice).toBe(november.id);
      expect(t.adjustmentItems()[0]?.metadata.ktrlplane_invoice_line).toBe(
        String(adjustment.line_no),
      );

      // On Stripe's next renewal, and never again after.
      await t.closeMonth("2027-04-01T00:00:00Z");
      const april = t.renewalEnding("2027-04-01T00:00:00Z");
      expect(t.adjustmentItems()[0]?.invoice).toBe(april?.id);
      await t.closeMonth("2027-05-01T00:00:00Z");
      expect(t.adjustmentItems().length).toBe(1);
    });
  },
);
