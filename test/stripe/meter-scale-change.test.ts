import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type StripeEmulator, startStripeEmulator } from "../support/stripe-emulator/index.js";
import { completeSetup, restartOnCatalog, stripeMeterOf } from "../support/stripe-mode.js";
import type { ApiClient, TestApp } from "../support/test-app.js";
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
 * scale, so the amounts Stripe computes stay the ledger's), and applies to prices created after.
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
  const priceOf = (sku: string) =>
    stripeMeterOf({ emulator: emulator as StripeEmulator, catalogPrice: `volume/${sku}` }).price;
  const valuesOf = (sku: string) =>
    stripeMeterOf({ emulator: emulator as StripeEmulator, catalogPrice: `volume/${sku}` }).values;

  it("keeps the scale of a Stripe price that bills, and gives the new one to prices created after", async () => {
    await start("2026-11-02T00:00:00Z", catalog("three", 3, false));
    const { token } = await (app as TestApp).signUp({ email: "scale@example.com" });
    let api: ApiClient = (app as TestApp).client(token);
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
    const standard = await create("standard");
    await send(standard, "s-1", "0.5", "2026-11-02T00:01:00Z");
    await sync();
    expect(priceOf("standard")?.unit_amount_decimal).toBe("0.0015");
    expect(valuesOf("standard")).toEqual(["500"]);

    // Two places from now on: the standard price (the same version) keeps its three.
    await start("2026-11-03T00:00:00Z", catalog("two", 2, true));
    api = (app as TestApp).client(token);
    await send(standard, "s-2", "0.25", "2026-11-03T00:01:00Z");
    const fast = await create("fast");
    await send(fast, "f-1", "0.25", "2026-11-03T00:01:00Z");
    await sync();
    expect(priceOf("standard")?.unit_amount_decimal).toBe("0.0015");
    expect(valuesOf("standard")).toEqual(["500", "250"]);
    expect(priceOf("fast")?.unit_amount_decimal).toBe("0.03");
    expect(priceOf("fast")?.metadata.ktrlplane_value_decimals).toBe("2");
    expect(valuesOf("fast")).toEqual(["25"]);
  });
});
