import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, startTestApp, type TestApp } from "../support/test-app.js";
import { testDatabaseAvailable } from "../support/test-database.js";
import { writeTestCatalog } from "../support/usage-catalog.js";

// The catalog as API users and the console's wizard read it: a metered SKU names its meter (what
// is counted, how a month's events make the quantity, what one unit is called) and carries the
// fields its amount is computed from, in every version.

/** A meter with every field set: the API names it as the catalog has it. */
const activeUsers = {
  event_name: "active_users",
  name: "Active users",
  aggregation: "unique_count",
  property: "user",
  unit_name: "person",
  unit_name_plural: "people",
};

function writeCatalog(): Promise<string> {
  return writeTestCatalog((catalog) => {
    catalog.meters.push(
      {
        event_name: "api_requests",
        name: "API requests",
        aggregation: "count",
        unit_name: "request",
      },
      activeUsers,
      { event_name: "gb_stored", name: "Storage", aggregation: "max" },
    );
    catalog.resource_types.push({
      type: "api",
      name: "API gateway",
      skus: [
        {
          sku: "requests",
          billing_model: "metered",
          unit_amount_decimal: "0.002",
          meter: { event_name: "api_requests" },
        },
        {
          sku: "users",
          billing_model: "metered",
          unit_amount: 500,
          package_size: 1000,
          meter: { event_name: "active_users" },
        },
        {
          sku: "storage",
          billing_model: "metered",
          tiers_mode: "graduated",
          tiers: [
            { up_to: 1000, unit_amount: 2 },
            { up_to: null, unit_amount: 1 },
          ],
          meter: { event_name: "gb_stored" },
        },
      ],
    });
  });
}

interface Sku {
  sku: string;
  meter?: unknown;
  versions: Record<string, unknown>[];
}

describe.skipIf(!testDatabaseAvailable)("GET /v1/resource-types names the meter", () => {
  let app: TestApp;
  let api: ApiClient;
  let skus: Record<string, Sku>;

  beforeAll(async () => {
    app = await startTestApp({ catalogPath: await writeCatalog() });
    ({ api } = await app.signUp());
    const types = await api.get("/v1/resource-types");
    expect(types.status).toBe(200);
    skus = {};
    for (const t of types.body.data as { type: string; skus: Sku[] }[]) {
      for (const s of t.skus) skus[`${t.type}/${s.sku}`] = s;
    }
  }, 120_000);
  afterAll(async () => {
    await app?.close();
  });

  it("says what a metered SKU counts and what one unit is called", () => {
    expect(skus["flow/runs"]?.meter).toEqual({
      event_name: "flow_runs",
      name: "Flow runs",
      aggregation: "sum",
      property: null,
      unit_name: "run",
      unit_name_plural: "runs",
    });
    expect(skus["api/users"]?.meter).toEqual(activeUsers);
    // No unit name in the catalog: none invented.
    expect(skus["api/storage"]?.meter).toMatchObject({
      aggregation: "max",
      unit_name: null,
      unit_name_plural: null,
    });
    expect(skus["graph/standard"]).not.toHaveProperty("meter");
  });

  it("gives every version the fields a metered amount is computed from", () => {
    expect(skus["api/requests"]?.versions.at(-1)).toMatchObject({
      billing_model: "metered",
      unit_amount: null,
      unit_amount_decimal: "0.002",
    });
    expect(skus["api/users"]?.versions.at(-1)).toMatchObject({
      unit_amount: 500,
      package_size: 1000,
    });
    expect(skus["api/storage"]?.versions.at(-1)).toMatchObject({
      tiers_mode: "graduated",
      tiers: [
        { up_to: 1000, unit_amount: 2 },
        { up_to: null, unit_amount: 1 },
      ],
    });
  });

  it("names the same meter in the price preview", async () => {
    const project = (await api.post("/v1/projects", { name: "Gateway" })).body;
    const preview = await api.post("/v1/pricing/preview", {
      project_id: project.id,
      resource_type: "api",
      sku: "requests",
    });
    expect(preview.status).toBe(200);
    expect(preview.body.usage_price).toMatchObject({
      scheme: "per_unit",
      unit_amount_decimal: "0.002",
      meter: { event_name: "api_requests", unit_name: "request", unit_name_plural: "requests" },
    });
    // The API's own words use the unit's name too.
    expect(preview.body.usage_price.description).toContain(
      "0.00002 USD per request of API requests",
    );
    const users = await api.post("/v1/pricing/preview", {
      project_id: project.id,
      resource_type: "api",
      sku: "users",
    });
    expect(users.body.usage_price.description).toContain(
      "5.00 USD per 1,000 people of Active users",
    );
  });
});
