import { expect, it } from "vitest";
import {
  closeMeteredMonth,
  describeStripeApp,
  signUpWithActiveAccount,
  stripeMeterOf,
} from "../support/stripe-mode.js";
import type { ApiClient } from "../support/test-app.js";
import { writeMeteredCatalog } from "../support/usage-catalog.js";

/** The metered catalog plus a second price on flow/runs' catalog meter (flow/bulk at 1 cent). */
function writeCatalog(): Promise<string> {
  return writeMeteredCatalog({
    apiUnitAmountDecimal: "0.5",
    edit: (catalog) => {
      const flow = catalog.resource_types.find((t: { type: string }) => t.type === "flow");
      flow.skus.push({
        sku: "bulk",
        billing_model: "metered",
        unit_amount: 1,
        interval: "month",
        meter: { event_name: "flow_runs" },
      });
    },
  });
}

const sumOf = (events: { payload: Record<string, string> }[]) =>
  events.reduce((sum, e) => sum + Number(e.payload.value), 0);

/**
 * Issue 10's Stripe mode over a month: metered resources of every aggregation, usage sent through
 * `POST /v1/usage`, the reconciler sending it to Stripe's meters (one per Stripe price); a pass
 * repeated or crashed after Stripe took an event counts nothing twice; Stripe's renewal invoice
 * for November bills the ledger's metered lines, ±1 minor unit per line.
 */
describeStripeApp(
  "metered usage through Stripe Billing Meters",
  {
    seed: 1017,
    debounceMs: 50,
    maxWaitMs: 2000,
    catalogPath: await writeCatalog(),
    // A lost answer fails the pass, as a crash between Stripe's answer and our record would.
    maxNetworkRetries: 0,
  },
  (suite) => {
    let api: ApiClient;
    let accountId: string;
    const ids: Record<string, string> = {};
    let seq = 0;

    const send = async (
      resource: string,
      event_name: string,
      events: { value?: number; at: string; properties?: object }[],
    ) => {
      const r = await api.post("/v1/usage", {
        events: events.map((e) => ({
          id: `evt-${++seq}`,
          resource_id: ids[resource],
          event_name,
          value: e.value ?? 1,
          timestamp: e.at,
          ...(e.properties ? { properties: e.properties } : {}),
        })),
      });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(
        r.body.events.every((e: { status: string }) => e.status === "accepted"),
        JSON.stringify(r.body),
      ).toBe(true);
    };
    const sync = async () => {
      const r = await api.post(`/v1/billing-accounts/${accountId}/sync`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body;
    };

    it("creates one meter and one metered price per price, items without quantity", async () => {
      const { emulator, app, stripeApp } = suite;
      stripeApp.setClocks("2026-11-02T00:00:00Z");
      const signedUp = await signUpWithActiveAccount({ app, emulator, projectName: "Meters" });
      ({ api, accountId } = signedUp);
      const create = async (key: string, resource_type: string, sku: string) => {
        const r = await api.post("/v1/resources", {
          project_id: signedUp.project.id,
          resource_type,
          sku,
          name: key,
        });
        expect(r.status, JSON.stringify(r.body)).toBe(201);
        ids[key] = r.body.id;
      };
      await create("r1", "flow", "runs");
      await create("r2", "flow", "runs");
      await create("b1", "flow", "bulk");
      await create("c1", "api", "calls");
      await create("p1", "db", "peak");
      await create("u1", "app", "users");
      await create("s1", "seats", "seat");
      await sync();

      // flow/runs and flow/bulk share the catalog meter flow_runs but each has its own Stripe
      // meter: Stripe bills a meter's whole aggregate on every price that references it.
      const meters = [...emulator.state.meters.values()];
      expect(meters.length).toBe(6);
      expect(new Set(meters.map((m) => m.event_name)).size).toBe(6);
      const formulas = Object.fromEntries(
        [...emulator.state.prices.values()]
          .filter((p) => p.recurring?.usage_type === "metered")
          .map((p) => [
            p.metadata.ktrlplane_price,
            emulator.state.meters.get(p.recurring?.meter ?? "")?.default_aggregation.formula,
          ]),
      );
      expect(formulas).toEqual({
        "flow/runs": "sum",
        "flow/bulk": "sum",
        "api/calls": "sum",
        "db/peak": "last",
        "app/users": "last",
        "seats/seat": "last",
      });
      const packaged = [...emulator.state.prices.values()].find(
        (p) => p.metadata.ktrlplane_price === "app/users",
      );
      expect(packaged?.transform_quantity).toEqual({ divide_by: 2, round: "up" });
      const items = [...emulator.state.subscriptions.values()]
        .filter((s) => s.metadata.ktrlplane_billing_account_id === accountId)
        .flatMap((s) => s.items.data);
      expect(items.length).toBe(6);
      for (const item of items) expect(item.quantity ?? null).toBeNull();
    });

    it("sends the ledger's usage as meter events; a repeated pass sends nothing", async () => {
      const { emulator, stripeApp } = suite;
      stripeApp.setClocks("2026-11-05T00:00:00Z");
      await send("r1", "flow_runs", [{ value: 100, at: "2026-11-03T09:00:00Z" }]);
      await send("r2", "flow_runs", [{ value: 1000, at: "2026-11-04T12:00:00Z" }]);
      await send("b1", "flow_runs", [{ value: 9000, at: "2026-11-04T13:00:00Z" }]);
      await send(
        "c1",
        "api_calls",
        Array.from({ length: 31 }, (_, i) => ({
          at: new Date(Date.parse("2026-11-04T00:00:00Z") + i * 60_000).toISOString(),
        })),
      );
      await send("p1", "peak_connections", [
        { value: 5, at: "2026-11-04T01:00:00Z" },
        { value: 42, at: "2026-11-04T02:00:00Z" },
        { value: 17, at: "2026-11-04T03:00:00Z" },
      ]);
      const user = (u: string, at: string) => ({ at, properties: { user: u } });
      await send("u1", "active_users", [
        user("a", "2026-11-04T01:00:00Z"),
        user("b", "2026-11-04T01:10:00Z"),
        user("a", "2026-11-04T01:20:00Z"),
        user("c", "2026-11-04T01:30:00Z"),
      ]);
      await send("s1", "seats", [
        { value: 10, at: "2026-11-04T09:00:00Z" },
        { value: 3, at: "2026-11-04T12:00:00Z" },
      ]);
      await sync();
      expect(sumOf(stripeMeterOf({ emulator, catalogPrice: "flow/runs" }).events)).toBe(1100);
      expect(sumOf(stripeMeterOf({ emulator, catalogPrice: "flow/bulk" }).events)).toBe(9000);
      expect(sumOf(stripeMeterOf({ emulator, catalogPrice: "api/calls" }).events)).toBe(31);
      expect(
        stripeMeterOf({ emulator, catalogPrice: "db/peak" }).events.at(-1)?.payload.value,
      ).toBe("42");
      expect(
        stripeMeterOf({ emulator, catalogPrice: "app/users" }).events.at(-1)?.payload.value,
      ).toBe("3");
      expect(
        stripeMeterOf({ emulator, catalogPrice: "seats/seat" }).events.at(-1)?.payload.value,
      ).toBe("3");

      const before = emulator.state.meterEvents.length;
      await sync();
      await sync();
      expect(emulator.state.meterEvents.length).toBe(before);
    });

    it("a pass that crashed after Stripe took an event does not count it twice", async () => {
      const { emulator, stripeApp } = suite;
      stripeApp.setClocks("2026-11-07T00:00:00Z");
      // Stripe takes the event and its answer is lost: the pass (the worker's or ours,
      // whichever sends first) fails after Stripe counted the event, before it was recorded.
      const remove = emulator.faults.once(
        { failAfterWriteRate: 1 },
        { path: "/v1/billing/meter_events" },
      );
      await send("r1", "flow_runs", [{ value: 400, at: "2026-11-06T10:00:00Z" }]);
      const lost = () =>
        emulator.requests.filter(
          (r) => r.path === "/v1/billing/meter_events" && r.fault === "failAfterWrite",
        ).length;
      const deadline = Date.now() + 15_000;
      while (lost() < 1) {
        if (Date.now() > deadline) throw new Error("no pass sent the usage");
        await api.post(`/v1/billing-accounts/${accountId}/sync`);
      }
      // Stripe stays unreachable while more usage arrives: the next pass that gets through
      // finds the ledger grown since the lost event.
      const down = emulator.faults.add({ errorRate: 1, path: "/v1/billing/meter_events" });
      remove();
      expect(sumOf(stripeMeterOf({ emulator, catalogPrice: "flow/runs" }).events)).toBe(1500);
      await send("r2", "flow_runs", [{ value: 7, at: "2026-11-06T11:00:00Z" }]);
      await api.post(`/v1/billing-accounts/${accountId}/sync`);
      down();
      // The lost event is re-sent under its own identifier (Stripe counts it once), then only
      // the new increment.
      await sync();
      const events = stripeMeterOf({ emulator, catalogPrice: "flow/runs" }).events;
      expect(sumOf(events)).toBe(1507);
      const identifiers = emulator.state.meterEvents.map((e) => e.identifier);
      expect(new Set(identifiers).size).toBe(identifiers.length);
      const sent = emulator.requests.filter(
        (r) =>
          r.path === "/v1/billing/meter_events" && r.params.event_name === events[0]?.event_name,
      );
      expect(sent.length).toBeGreaterThan(events.length);
    });

    it("the worker sends usage without being asked; a deleted resource's metered item stays for the month", async () => {
      const { emulator, stripeApp } = suite;
      stripeApp.setClocks("2026-11-20T00:00:00Z");
      // The bulk resource goes: its price keeps its item (and its usage) to the month's invoice.
      expect((await api.delete(`/v1/resources/${ids.b1}`)).status).toBeLessThan(300);
      await send("s1", "seats", [{ value: 6, at: "2026-11-19T12:00:00Z" }]);
      const deadline = Date.now() + 15_000;
      while (
        stripeMeterOf({ emulator, catalogPrice: "seats/seat" }).events.at(-1)?.payload.value !== "6"
      ) {
        if (Date.now() > deadline) throw new Error("the worker never sent the new seat count");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    });

    it("Stripe's November invoice bills the ledger's metered lines", async () => {
      const { emulator, stripeApp } = suite;
      // Usage at the very end of the month reaches Stripe in the renewal's grace hour.
      stripeApp.setClocks("2026-11-30T23:50:00Z");
      await send("r1", "flow_runs", [{ value: 50, at: "2026-11-30T23:51:00Z" }]);
      await send("p1", "peak_connections", [{ value: 60, at: "2026-11-30T23:52:00Z" }]);
      const closed = await closeMeteredMonth({
        suite,
        api,
        billingAccountId: accountId,
        monthEnd: "2026-12-01T00:00:00Z",
      });
      expect(closed.invoice.period.start).toBe("2026-11-01T00:00:00.000Z");
      const ledger = Object.fromEntries(
        Object.entries(closed.ledger).map(([key, line]) => [key, line.amount]),
      );
      const { renewal, stripe } = closed;
      // Computed by hand from the events sent above.
      expect(ledger).toEqual({
        "flow/runs": (1507 + 50) * 2,
        "flow/bulk": 9000,
        "api/calls": 16, // 31 calls at 0.5 cent: 15.5, rounded once
        "db/peak": 10 * 100 + 50 * 50, // peak 60
        "app/users": 2 * 500, // 3 users: 2 packages of 2
        "seats/seat": 6 * 800, // 6 seats, all in the second tier
      });

      expect(renewal?.status).toBe("paid");
      expect(Object.keys(stripe).sort()).toEqual(Object.keys(ledger).sort());
      for (const [key, amount] of Object.entries(ledger))
        expect(Math.abs((stripe[key] ?? 0) - amount), key).toBeLessThanOrEqual(1);

      // A further pass changes nothing on the invoice nor in the meters.
      const total = renewal?.total;
      const events = emulator.state.meterEvents.length;
      await sync();
      emulator.tick();
      expect(emulator.state.invoices.get(renewal?.id ?? "")?.total).toBe(total);
      expect(emulator.state.meterEvents.length).toBe(events);
    });
  },
);
