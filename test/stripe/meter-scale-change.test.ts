import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { movePriceVersions } from "../../src/billing/move-price-versions.js";
import { finalizeDueInvoices } from "../../src/invoices/finalize-due-invoices.js";
import { type StripeEmulator, startStripeEmulator } from "../support/stripe-emulator/index.js";
import { completeSetup, restartOnCatalog, stripeMeterOf } from "../support/stripe-mode.js";
import type { TestApp } from "../support/test-app.js";
import { testDatabaseAvailable } from "../support/test-database.js";

const dir = mkdtempSync(join(tmpdir(), "ktrlplane-stripe-scale-"));
/** GB-hours of the given decimals, billed by volume/standard (and volume/fast when asked). */
function catalog(name: string, decimals: number, withFast: boolean): string {
  const sku = (id: string, unit_amount_decimal: string) => ({
    sku: id,
    billing_model: "metered",
    unit_amount_decimal,
    meter: { event_name: "gb_hours" },
  });
  const path = join(dir, `${name}.json`);
  writeFileSync(
    path,
    JSON.stringify({
      currency: "usd",
      meters: [{ event_name: "gb_hours", name: "GB-hours", aggregation: "sum", decimals }],
      resource_types: [
        {
          type: "volume",
          name: "Volume",
          skus: [sku("standard", "1.5"), ...(withFast ? [sku("fast", "3")] : [])],
        },
      ],
    }),
  );
  return path;
}

/**
 * A meter's scale is chosen when its Stripe price is created and kept with it: the catalog's
 * `decimals` changing later re-scales no Stripe price that already bills (its events keep their
 * scale, so the amounts Stripe computes stay the ledger's). The change is a new version of each
 * price on the meter, like any price change: new resources take it at once, existing ones move at
 * the next period, each version on a Stripe price of its own scale.
 */
describe.skipIf(!testDatabaseAvailable)("a meter's decimals changed in the catalog", () => {
  let emulator: StripeEmulator | undefined;
  let app: TestApp | undefined;
  afterAll(async () => {
    await app?.close();
    await emulator?.close();
  });

  /** The app in Stripe mode on the emulator, restarted on the same database when there is one. */
  async function start(at: string, catalogPath: string): Promise<TestApp> {
    emulator ??= await startStripeEmulator({ seed: 1030 });
    emulator.clock.set(Date.parse(at) / 1000);
    app = await restartOnCatalog({ emulator, at, catalogPath, ...(app ? { previous: app } : {}) });
    return app;
  }
  const meterOf = (sku: string, version: number) =>
    stripeMeterOf({
      emulator: emulator as StripeEmulator,
      catalogPrice: `volume/${sku}`,
      version,
    });

  it("keeps the scale of a Stripe price that bills; a new version at the new scale bills new resources at once, existing ones from the next month", async () => {
    await start("2026-11-02T00:00:00Z", catalog("three", 3, false));
    const email = "scale@example.com";
    let { api } = await (app as TestApp).signUp({ email });
    /** A new session (one does not last the month). */
    const logIn = async () => {
      const r = await (app as TestApp)
        .client()
        .post("/v1/auth/login", { email, password: "correct horse battery" });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      api = (app as TestApp).client(r.body.token);
    };
    const project = (await api.post("/v1/projects", { name: "Scale" })).body;
    const accountId: string = project.billing.billing_account_id;
    await completeSetup({ api, emulator: emulator as StripeEmulator, billingAccountId: accountId });
    const create = async (sku: string) => {
      const r = await api.post("/v1/resources", {
        project_id: project.id,
        resource_type: "volume",
        sku,
        name: sku,
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body.id as string;
    };
    const send = async (resource_id: string, id: string, value: string, timestamp: string) => {
      const r = await api.post("/v1/usage", {
        events: [{ id, resource_id, event_name: "gb_hours", value, timestamp }],
      });
      expect(r.body.accepted, JSON.stringify(r.body)).toBe(1);
    };
    const sync = async () =>
      expect((await api.post(`/v1/billing-accounts/${accountId}/sync`)).status).toBe(200);
    /** The account's standard items as [price version, quantity]. */
    const standardItems = async () =>
      (
        (await api.get(`/v1/billing-accounts/${accountId}`)).body.items as {
          sku: string;
          price_version: number;
          quantity: number;
        }[]
      )
        .filter((i) => i.sku === "standard")
        .map((i) => [i.price_version, i.quantity])
        .sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0));
    const standard = await create("standard");
    await send(standard, "s-1", "0.5", "2026-11-02T00:01:00Z");
    await sync();
    expect(meterOf("standard", 1).price?.unit_amount_decimal).toBe("0.0015");
    expect(meterOf("standard", 1).values).toEqual(["500"]);

    // Two places from now on: the resource billing at three keeps them for November.
    await start("2026-11-03T00:00:00Z", catalog("two", 2, true));
    await logIn();
    await send(standard, "s-2", "0.25", "2026-11-03T00:01:00Z");
    const fast = await create("fast");
    await send(fast, "f-1", "0.25", "2026-11-03T00:01:00Z");
    // A new standard resource takes version 2 at once, on a Stripe price at two places.
    const later = await create("standard");
    await send(later, "l-1", "12.25", "2026-11-03T00:02:00Z");
    await sync();
    expect(meterOf("standard", 1).price?.unit_amount_decimal).toBe("0.0015");
    expect(meterOf("standard", 1).values).toEqual(["500", "250"]);
    expect(meterOf("standard", 2).price?.unit_amount_decimal).toBe("0.015");
    expect(meterOf("standard", 2).price?.metadata.ktrlplane_value_decimals).toBe("2");
    expect(meterOf("standard", 2).values).toEqual(["1225"]);
    expect(await standardItems()).toEqual([
      [1, 1],
      [2, 1],
    ]);
    expect(meterOf("fast", 1).price?.unit_amount_decimal).toBe("0.03");
    expect(meterOf("fast", 1).price?.metadata.ktrlplane_value_decimals).toBe("2");
    expect(meterOf("fast", 1).values).toEqual(["25"]);

    // November closes at the versions it was billed at; from December 1 the first resource is
    // billed at version 2 (the worker's pass), its usage sent at two places.
    const setClocks = (at: string) => {
      (app as TestApp).clock.set(at);
      emulator?.clock.set(Date.parse(at) / 1000);
    };
    setClocks("2026-12-01T02:00:00Z");
    await logIn();
    emulator?.tick();
    expect((await finalizeDueInvoices({ ctx: (app as TestApp).ctx })).failed).toBe(0);
    const moved = await movePriceVersions({ ctx: (app as TestApp).ctx });
    expect(moved.map((m) => [m.move.sku, m.move.version])).toEqual([["standard", 2]]);
    const november = (await api.get(`/v1/billing-accounts/${accountId}/invoices`)).body.data[0];
    expect(november.period.start).toBe("2026-11-01T00:00:00.000Z");
    const lines = (await api.get(`/v1/invoices/${november.id}`)).body.lines as {
      sku: string;
      price_version: number;
      usage_quantity: string | null;
      amount: number;
    }[];
    expect(
      lines
        .filter((l) => l.sku === "standard")
        .map((l) => [l.price_version, l.usage_quantity, l.amount])
        .sort((a, b) => Number(a[0]) - Number(b[0])),
    ).toEqual([
      [1, "0.75", 1], // 0.75 GB-hours at 1.5 cents: 1.125
      [2, "12.25", 18], // 12.25 GB-hours at 1.5 cents: 18.375
    ]);
    setClocks("2026-12-02T00:00:00Z");
    await send(standard, "s-3", "0.5", "2026-12-01T12:00:00Z");
    await sync();
    expect(await standardItems()).toEqual([[2, 2]]);
    expect(meterOf("standard", 1).values).toEqual(["500", "250"]);
    expect(meterOf("standard", 2).values).toEqual(["1225", "50"]);
  });
});
