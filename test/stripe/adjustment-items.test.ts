import { expect, it } from "vitest";
import { finalizeDueInvoices } from "../../src/invoices/finalize-due-invoices.js";
import { flowRunsAccount } from "../support/flow-runs-account.js";
import { describeStripeApp } from "../support/stripe-mode.js";

/**
 * Usage that reaches a month Stripe has already invoiced — a late event, a void — cannot go
 * through the meters; the ledger bills it on the account's next invoice as an adjustment line, and
 * the reconciler carries that line to Stripe as an invoice item on the customer (a charge, or a
 * credit for a void), which Stripe puts on the customer's next invoice. A repeated pass creates
 * nothing twice, and the comparison with the ledger matches the item to the adjustment line.
 */
describeStripeApp(
  "late usage and voids in a month Stripe invoiced: invoice items",
  { seed: 1021, debounceMs: 50, maxWaitMs: 2000, maxNetworkRetries: 0 },
  (suite) => {
    const t = flowRunsAccount({
      suite,
      email: `late-${Date.now()}@example.com`,
      closeMonthPassSucceeds: true,
    });
    const ledgerInvoice = async (periodStart: string) => {
      const list = (await t.api.get(`/v1/billing-accounts/${t.accountId}/invoices`)).body.data;
      const found = list.find((i: { period: { start: string } }) => i.period.start === periodStart);
      expect(found, JSON.stringify(list)).toBeDefined();
      return (await t.api.get(`/v1/invoices/${found.id}`)).body;
    };

    it("October is billed by Stripe (through the meter) and by the ledger", async () => {
      await t.open({ at: "2026-10-02T00:00:00Z", projectName: "Late" });
      await t.sync();
      await t.at("2026-10-05T00:00:00Z");
      await t.send("oct-1", 100, "2026-10-03T09:00:00Z");
      await t.send("oct-2", 40, "2026-10-04T09:00:00Z");
      await t.sync();
      await t.closeMonth("2026-11-01T00:00:00Z");
      const october = await ledgerInvoice("2026-10-01T00:00:00.000Z");
      const runs = october.lines.find((l: { sku: string }) => l.sku === "runs");
      expect(runs.amount).toBe(140 * 2);
      t.findCustomer();
      const renewal = t.renewalEnding("2026-11-01T00:00:00Z");
      expect(renewal?.status).toBe("paid");
      expect(renewal?.total).toBe(140 * 2);
    });

    it("a late October event: the ledger's adjustment line becomes one invoice item, once", async () => {
      const { emulator } = suite;
      await t.at("2026-11-10T00:00:00Z");
      await t.send("late-oct", 50, "2026-10-20T12:00:00Z");
      await t.sync();
      // Stripe's October is closed: the meter is not the way, and nothing is sent yet.
      expect(t.adjustmentItems()).toEqual([]);
      // Stripe creates the first item and its answer is lost, as a crash before our record
      // would be: asked again, under the same key, Stripe answers with that item (or a later
      // pass finds it among the customer's items): one item, created once.
      const remove = emulator.faults.once({ failAfterWriteRate: 1 }, { path: "/v1/invoiceitems" });
      await t.at("2026-12-01T02:00:00Z");
      emulator.tick();
      expect((await finalizeDueInvoices({ ctx: suite.app.ctx })).failed).toBe(0);
      const posts = () =>
        emulator.requests.filter((r) => r.method === "POST" && r.path === "/v1/invoiceitems");
      const deadline = Date.now() + 15_000;
      while (!posts().some((r) => r.fault === "failAfterWrite")) {
        if (Date.now() > deadline) throw new Error("no pass created the item");
        await t.pass();
      }
      remove();
      await t.sync();
      expect(new Set(posts().map((r) => r.idempotencyKey)).size).toBe(1);
      expect(posts().filter((r) => !r.replayed).length).toBe(1);
      expect(t.adjustmentItems().length).toBe(1);
      const november = await ledgerInvoice("2026-11-01T00:00:00.000Z");
      const adjustment = november.lines.find((l: { kind: string }) => l.kind === "adjustment");
      expect(adjustment.amount).toBe(50 * 2);
      const items = t.adjustmentItems();
      expect(items.length).toBe(1);
      expect(items[0]?.amount).toBe(adjustment.amount);
      expect(items[0]?.currency).toBe(adjustment.currency);
      expect(items[0]?.description).toContain("2026-10");
      expect(items[0]?.metadata.ktrlplane_invoice).toBe(november.id);
      expect(items[0]?.metadata.ktrlplane_invoice_line).toBe(String(adjustment.line_no));
      // Stripe's December renewal was made before the item: it is pending, on the next invoice.
      expect(items[0]?.invoice).toBeNull();
      const subscription = [...emulator.state.subscriptions.values()].find(
        (s) => s.customer === t.customer && s.status === "active",
      );
      const preview = await emulator
        .client()
        .invoices.createPreview({ customer: t.customer, subscription: subscription?.id ?? "" });
      expect(
        preview.lines.data.some(
          (l) => l.parent?.invoice_item_details?.invoice_item === items[0]?.id,
        ),
      ).toBe(true);
      // Repeated passes create nothing twice, and ask Stripe nothing more: the record says sent.
      const asked = posts().length;
      await t.sync();
      await t.sync();
      expect(t.adjustmentItems().length).toBe(1);
      expect(posts().length).toBe(asked);
      // Our record lost, two days on (Stripe no longer knows the key): as a crash between
      // Stripe's answer and the record leaves it, the line still queued. The pass finds the item
      // among the customer's items and records it again, creating nothing.
      await suite.app.ctx.db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO ktrlplane.stripe_pending_lines (invoice_id, line_no, billing_account_id, kind)
           SELECT invoice_id, line_no, billing_account_id, 'adjustment'
             FROM ktrlplane.stripe_adjustment_items`,
        );
        await tx.query("DELETE FROM ktrlplane.stripe_adjustment_items");
      });
      await t.at("2026-12-03T02:00:00Z");
      await t.sync();
      expect(posts().length).toBe(asked);
      const again = await suite.app.ctx.db.query<{ stripe_invoice_item_id: string }>(
        "SELECT stripe_invoice_item_id FROM ktrlplane.stripe_adjustment_items",
      );
      expect(again.map((r) => r.stripe_invoice_item_id)).toEqual([items[0]?.id]);
    });

    it("a void of October usage: a credit item; each item lands on the next renewal and matches the ledger", async () => {
      await t.at("2026-12-05T00:00:00Z");
      const voided = await t.api.post("/v1/usage/void", { ids: ["oct-2"] });
      expect(voided.status, JSON.stringify(voided.body)).toBe(200);
      await t.sync();
      await t.closeMonth("2027-01-01T00:00:00Z");
      const december = await ledgerInvoice("2026-12-01T00:00:00.000Z");
      const adjustment = december.lines.find((l: { kind: string }) => l.kind === "adjustment");
      expect(adjustment.amount).toBe(-40 * 2);
      const items = t.adjustmentItems();
      expect(items.map((i) => i.amount)).toEqual([100, -80]);
      // The charge went on January's renewal (the first made after it), the credit waits.
      const january = t.renewalEnding("2027-01-01T00:00:00Z");
      expect(items[0]?.invoice).toBe(january?.id);
      expect(items[1]?.invoice).toBeNull();
      const line = january?.lines.data.find(
        (l) => l.parent?.invoice_item_details?.invoice_item === items[0]?.id,
      );
      expect(line?.amount).toBe(100);
      await t.closeMonth("2027-02-01T00:00:00Z");
      const february = t.renewalEnding("2027-02-01T00:00:00Z");
      expect(
        february?.lines.data.find(
          (l) => l.parent?.invoice_item_details?.invoice_item === items[1]?.id,
        )?.amount,
      ).toBe(-80);
      expect(t.adjustmentItems().length).toBe(2);

      // The comparison counts each item with the adjustment line it carries: no drift.
      for (const start of ["2026-11-01T00:00:00.000Z", "2026-12-01T00:00:00.000Z"]) {
        const invoice = await ledgerInvoice(start);
        expect(invoice.provider, start).not.toBeNull();
        for (const l of invoice.provider.lines)
          expect(Math.abs(l.drift), `${start} ${JSON.stringify(l)}`).toBeLessThanOrEqual(
            l.provider_lines,
          );
      }
    });

    it("a void within the open month, after its usage reached the meter: a credit at the month's close", async () => {
      await t.at("2027-02-05T00:00:00Z");
      await t.send("feb-1", 30, "2027-02-03T09:00:00Z");
      await t.send("feb-2", 10, "2027-02-03T10:00:00Z");
      await t.sync();
      await t.at("2027-02-10T00:00:00Z");
      expect((await t.api.post("/v1/usage/void", { ids: ["feb-2"] })).status).toBe(200);
      // A `sum` meter takes no negative event: Stripe holds 40 for the month.
      const body = await t.sync();
      expect(JSON.stringify(body)).toContain("meter_usage_decreased");
      expect(t.adjustmentItems().length).toBe(2);
      await t.closeMonth("2027-03-01T00:00:00Z");
      const february = await ledgerInvoice("2027-02-01T00:00:00.000Z");
      const runs = february.lines.find((l: { kind: string }) => l.kind === "charge");
      expect(runs.amount).toBe(30 * 2);
      expect(t.renewalEnding("2027-03-01T00:00:00Z")?.total).toBe(40 * 2);
      const credit = t.adjustmentItems()[2];
      expect(credit?.amount).toBe(-10 * 2);
      expect(credit?.metadata.ktrlplane_invoice).toBe(february.id);
      expect(credit?.metadata.ktrlplane_invoice_line).toBe(String(runs.line_no));
      await t.sync();
      expect(t.adjustmentItems().length).toBe(3);
      await t.closeMonth("2027-04-01T00:00:00Z");
      const compared = await ledgerInvoice("2027-02-01T00:00:00.000Z");
      const line = compared.provider.lines.find((l: { sku: string }) => l.sku === "runs");
      expect(line.ledger).toBe(60);
      expect(line.provider).toBe(60);
    });

    it("usage that reaches the meter in the grace hour after the ledger closed the month is billed once", async () => {
      const { app } = suite;
      await t.at("2027-04-10T00:00:00Z");
      await t.send("apr-1", 20, "2027-04-09T09:00:00Z");
      await t.sync();
      // The ledger finalizes April five minutes after it ends; Stripe's draft takes usage for an hour.
      await t.at("2027-05-01T00:06:00Z");
      expect((await finalizeDueInvoices({ ctx: app.ctx })).failed).toBe(0);
      await t.send("apr-late", 5, "2027-04-30T23:00:00Z");
      await t.sync();
      await t.closeMonth("2027-05-01T00:00:00Z");
      // Stripe's renewal billed 25 runs, the ledger's April invoice 20 (the 5 are late for it).
      expect(t.renewalEnding("2027-05-01T00:00:00Z")?.total).toBe(25 * 2);
      const april = await ledgerInvoice("2027-04-01T00:00:00.000Z");
      expect(april.lines.find((l: { kind: string }) => l.kind === "charge").amount).toBe(20 * 2);
      const items = t.adjustmentItems();
      expect(items.at(-1)?.amount).toBe(-5 * 2);
      expect(items.at(-1)?.metadata.ktrlplane_invoice).toBe(april.id);
      // The ledger bills the 5 on May's invoice; Stripe gets them back as that line's item.
      await t.closeMonth("2027-06-01T00:00:00Z");
      const may = await ledgerInvoice("2027-05-01T00:00:00.000Z");
      const adjustment = may.lines.find((l: { kind: string }) => l.kind === "adjustment");
      expect(adjustment.amount).toBe(5 * 2);
      const all = t.adjustmentItems();
      expect(all.at(-1)?.amount).toBe(5 * 2);
      expect(all.at(-1)?.metadata.ktrlplane_invoice).toBe(may.id);
      // Stripe in all for April's usage: 50 on the renewal − 10 + 10 = the ledger's 40 + 10.
      expect(all.slice(-2).reduce((sum, i) => sum + i.amount, 0) + 25 * 2).toBe(
        april.lines.find((l: { kind: string }) => l.kind === "charge").amount + adjustment.amount,
      );
    });
  },
);
