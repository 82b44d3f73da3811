import { expect, it } from "vitest";
import {
  closeMeteredMonth,
  describeStripeApp,
  signUpWithActiveAccount,
  stripeMeterOf,
} from "../support/stripe-mode.js";
import type { ApiClient } from "../support/test-app.js";
import { meteredType, writeTestCatalog } from "../support/usage-catalog.js";

/**
 * The default catalog (flow/runs: whole runs at 2 cents) plus meters of fractional usage that
 * declare their decimals: GB-hours (sum, 3 places) priced per unit at 1.5 cents and per package of
 * 10 at 50 cents, and a CPU peak (max, 2 places) priced by graduated tiers.
 */
function writeCatalog(): Promise<string> {
  return writeTestCatalog((catalog) => {
    catalog.meters.push(
      { event_name: "gb_hours", name: "GB-hours", aggregation: "sum", decimals: 3 },
      { event_name: "cpu_peak", name: "CPU peak", aggregation: "max", decimals: 2 },
    );
    catalog.resource_types.push(
      meteredType({
        type: "volume",
        sku: "standard",
        eventName: "gb_hours",
        price: { unit_amount_decimal: "1.5" },
      }),
      meteredType({
        type: "egress",
        sku: "packs",
        eventName: "gb_hours",
        price: { unit_amount: 50, package_size: 10 },
      }),
      meteredType({
        type: "vm",
        sku: "burst",
        eventName: "cpu_peak",
        price: {
          tiers_mode: "graduated",
          tiers: [
            { up_to: 2, unit_amount: 300 },
            { up_to: null, unit_amount: 100 },
          ],
        },
      }),
    );
  });
}

/**
 * Issue 10's Stripe mode with fractional usage: Stripe's meter events carry whole numbers, so a
 * meter declaring `decimals` is sent its aggregate × 10^decimals and its Stripe prices are priced
 * per 10^-decimals of a unit. Over a month of fractional events, Stripe's renewal bills each line
 * what the ledger's invoice says (±1 minor unit), while a whole-number meter is sent and priced as
 * before.
 */
describeStripeApp(
  "fractional usage through Stripe Billing Meters",
  { seed: 1028, debounceMs: 50, maxWaitMs: 2000, catalogPath: await writeCatalog() },
  (suite) => {
    let api: ApiClient;
    let accountId: string;
    const ids: Record<string, string> = {};
    let seq = 0;

    const send = async (
      resource: string,
      event_name: string,
      events: { value: number | string; at: string }[],
    ) => {
      const r = await api.post("/v1/usage", {
        events: events.map((e) => ({
          id: `frac-${++seq}`,
          resource_id: ids[resource],
          event_name,
          value: e.value,
          timestamp: e.at,
        })),
      });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.accepted, JSON.stringify(r.body)).toBe(events.length);
    };
    const sync = async () => {
      const r = await api.post(`/v1/billing-accounts/${accountId}/sync`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body;
    };
    const hourly = (from: string, hours: number, value: number | string) =>
      Array.from({ length: hours }, (_, i) => ({
        value,
        at: new Date(Date.parse(from) + i * 3_600_000).toISOString(),
      }));

    it("prices a meter's Stripe price per 10^-decimals of a unit, and a whole one as before", async () => {
      const { emulator, app, stripeApp } = suite;
      stripeApp.setClocks("2026-11-02T00:00:00Z");
      let project: { id: string };
      ({ api, project, accountId } = await signUpWithActiveAccount({
        app,
        emulator,
        projectName: "Fractions",
      }));
      for (const [key, resource_type, sku] of [
        ["v1", "volume", "standard"],
        ["e1", "egress", "packs"],
        ["m1", "vm", "burst"],
        ["r1", "flow", "runs"],
      ] as const) {
        const r = await api.post("/v1/resources", {
          project_id: project.id,
          resource_type,
          sku,
          name: key,
        });
        expect(r.status, JSON.stringify(r.body)).toBe(201);
        ids[key] = r.body.id;
      }
      await sync();
      const volume = stripeMeterOf({ emulator, catalogPrice: "volume/standard" }).price;
      expect(volume?.unit_amount_decimal).toBe("0.0015");
      expect(volume?.metadata.ktrlplane_value_decimals).toBe("3");
      const egress = stripeMeterOf({ emulator, catalogPrice: "egress/packs" }).price;
      expect(egress?.unit_amount).toBe(50);
      expect(egress?.transform_quantity).toEqual({ divide_by: 10_000, round: "up" });
      const runs = stripeMeterOf({ emulator, catalogPrice: "flow/runs" }).price;
      expect(runs?.unit_amount).toBe(2);
      expect(runs?.metadata.ktrlplane_value_decimals).toBeUndefined();
    });

    it("sends the running totals scaled to whole numbers", async () => {
      const { emulator, stripeApp } = suite;
      stripeApp.setClocks("2026-11-06T00:00:00Z");
      await send("v1", "gb_hours", hourly("2026-11-03T00:00:00Z", 40, "0.125"));
      await send("e1", "gb_hours", [{ value: 12.5, at: "2026-11-04T00:00:00Z" }]);
      await send("m1", "cpu_peak", [
        { value: 1.5, at: "2026-11-04T01:00:00Z" },
        { value: 3.75, at: "2026-11-04T02:00:00Z" },
      ]);
      await send("r1", "flow_runs", [{ value: 100, at: "2026-11-04T03:00:00Z" }]);
      await sync();
      expect(stripeMeterOf({ emulator, catalogPrice: "volume/standard" }).values).toEqual(["5000"]);
      expect(stripeMeterOf({ emulator, catalogPrice: "egress/packs" }).values).toEqual(["12500"]);
      expect(stripeMeterOf({ emulator, catalogPrice: "vm/burst" }).values).toEqual(["375"]);
      expect(stripeMeterOf({ emulator, catalogPrice: "flow/runs" }).values).toEqual(["100"]);

      // Within a session's 14 days of the last request.
      stripeApp.setClocks("2026-11-18T12:00:00Z");
      await send("v1", "gb_hours", [
        { value: 0.5, at: "2026-11-17T00:00:00Z" },
        { value: "2.75", at: "2026-11-17T09:00:00Z" },
        { value: "0.001", at: "2026-11-17T10:00:00Z" },
      ]);
      await send("e1", "gb_hours", [{ value: 0.75, at: "2026-11-17T09:00:00Z" }]);
      await send("m1", "cpu_peak", [{ value: 2.25, at: "2026-11-17T11:00:00Z" }]);
      await send("r1", "flow_runs", [{ value: 7, at: "2026-11-17T12:00:00Z" }]);
      const body = await sync();
      expect(JSON.stringify(body)).not.toContain("meter_usage_rounded");
      expect(stripeMeterOf({ emulator, catalogPrice: "volume/standard" }).values).toEqual([
        "5000",
        "3251",
      ]);
      expect(stripeMeterOf({ emulator, catalogPrice: "egress/packs" }).values).toEqual([
        "12500",
        "750",
      ]);
      // A max meter: the peak stays 3.75, nothing new to send.
      expect(stripeMeterOf({ emulator, catalogPrice: "vm/burst" }).values).toEqual(["375"]);
      expect(stripeMeterOf({ emulator, catalogPrice: "flow/runs" }).values).toEqual(["100", "7"]);
    });

    it("Stripe's November invoice bills each line what the ledger's invoice says", async () => {
      const { stripeApp } = suite;
      stripeApp.setClocks("2026-11-30T23:50:00Z");
      await send("m1", "cpu_peak", [{ value: 4.05, at: "2026-11-30T23:51:00Z" }]);
      const { invoice, ledger, renewal, stripe } = await closeMeteredMonth({
        suite,
        api,
        billingAccountId: accountId,
        monthEnd: "2026-12-01T00:00:00Z",
      });
      expect(invoice.period.start).toBe("2026-11-01T00:00:00.000Z");
      // Computed by hand from the events sent above.
      expect(ledger).toEqual({
        // 40 × 0.125 + 0.5 + 2.75 + 0.001 = 8.251 GB-hours at 1.5 cents: 12.3765, rounded once.
        "volume/standard": { amount: 12, usage: "8.251" },
        // 13.25 GB-hours: two started packages of 10.
        "egress/packs": { amount: 2 * 50, usage: "13.25" },
        // Peak 4.05: 2 at 3.00 and 2.05 at 1.00.
        "vm/burst": { amount: 2 * 300 + 205, usage: "4.05" },
        "flow/runs": { amount: 107 * 2, usage: "107" },
      });

      expect(renewal?.status).toBe("paid");
      expect(Object.keys(stripe).sort()).toEqual(Object.keys(ledger).sort());
      for (const [key, { amount }] of Object.entries(ledger))
        expect(Math.abs((stripe[key] ?? 0) - amount), key).toBeLessThanOrEqual(1);
    });
  },
);
