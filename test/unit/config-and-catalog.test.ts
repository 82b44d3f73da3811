import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCatalogFile, parseCatalog } from "../../src/catalog/load-catalog.js";
import { defaultCatalogPath, loadConfig } from "../../src/config.js";
import { MAX_QUANTITY, maxPeriodAmount, type Price } from "../../src/domain/pricing.js";

describe("configuration", () => {
  it("runs on its embedded defaults with no environment at all", () => {
    expect(loadConfig({})).toMatchObject({
      PORT: 8080,
      HOST: "127.0.0.1",
      KTRLPLANE_DATA_DIR: ".ktrlplane",
      KTRLPLANE_CATALOG: defaultCatalogPath,
      KTRLPLANE_WORKER: "on",
    });
    expect(loadConfig({}).DATABASE_URL).toBeUndefined();
    expect(loadConfig({}).STRIPE_SECRET_KEY).toBeUndefined();
  });

  it("names every variable at fault", () => {
    expect(() => loadConfig({ PORT: "eighty", DATABASE_URL: "mysql://x" })).toThrow(
      /PORT[\s\S]*DATABASE_URL/,
    );
    expect(() => loadConfig({ STRIPE_SECRET_KEY: "pk_live_x" })).toThrow(
      /STRIPE_SECRET_KEY: must start with sk_/,
    );
    expect(() => loadConfig({ STRIPE_API_BASE: "http://127.0.0.1:12111" })).toThrow(
      /STRIPE_API_BASE: needs STRIPE_SECRET_KEY/,
    );
  });
});

describe("the catalog", () => {
  it("ships a default that loads", async () => {
    const catalog = await loadCatalogFile(defaultCatalogPath);
    expect(catalog.currency).toBe("usd");
    expect(catalog.prices.get("graph/standard")?.[0]?.price).toMatchObject({
      billing_model: "per_unit",
      unit_amount: 9900,
    });
  });

  it("accepts extra fields and the issue's example", () => {
    const catalog = parseCatalog({
      source: "example",
      json: {
        currency: "usd",
        owner: "platform team",
        resource_types: [
          {
            type: "graph",
            name: "Graph database",
            skus: [
              { sku: "free", billing_model: "free" },
              {
                sku: "standard",
                billing_model: "per_unit",
                unit_amount: 9900,
                interval: "month",
                stripe_price_id: "price_x",
              },
            ],
          },
        ],
      },
    });
    expect(catalog.prices.get("graph/standard")?.[0]?.price.stripe_price_id).toBe("price_x");
  });

  it("says which entry is wrong and why", () => {
    const bad = (skus: unknown[]) => () =>
      parseCatalog({
        source: "bad.json",
        json: { currency: "usd", resource_types: [{ type: "graph", name: "G", skus }] },
      });
    expect(bad([{ sku: "x", billing_model: "per_unit" }])).toThrow(
      /bad\.json: resource_types\.0\.skus\.0/,
    );
    expect(bad([{ sku: "x", billing_model: "per_unit", unit_amount: 1.5 }])).toThrow(/unit_amount/);
    expect(
      bad([
        { sku: "x", billing_model: "free" },
        { sku: "x", billing_model: "free" },
      ]),
    ).toThrow(/duplicate price graph\/x/);
    expect(() =>
      parseCatalog({ source: "c.json", json: { currency: "xyz", resource_types: [] } }),
    ).toThrow(/c\.json: currency/);
  });

  it("reads YAML too, by the file's extension", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ktrlplane-catalog-"));
    const path = join(dir, "catalog.yaml");
    writeFileSync(
      path,
      [
        "currency: eur",
        "resource_types:",
        "  - type: storage",
        "    name: Storage",
        "    skus:",
        "      - sku: standard",
        "        billing_model: tiered",
        "        tiers_mode: graduated",
        "        tiers:",
        "          - { up_to: 5, unit_amount: 2000 }",
        "          - { up_to: null, unit_amount: 1500 }",
      ].join("\n"),
    );
    const catalog = await loadCatalogFile(path);
    expect(catalog.currency).toBe("eur");
    expect(catalog.prices.get("storage/standard")?.[0]?.price.tiers).toHaveLength(2);
    writeFileSync(path, "currency: [unclosed");
    await expect(loadCatalogFile(path)).rejects.toThrow(/not valid YAML/);
  });

  it("reports a file that cannot be read or parsed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ktrlplane-catalog-"));
    writeFileSync(join(dir, "broken.json"), "{ not json");
    await expect(loadCatalogFile(join(dir, "broken.json"))).rejects.toThrow(/not valid JSON/);
    await expect(loadCatalogFile(join(dir, "missing.json"))).rejects.toThrow(
      /cannot be read \(ENOENT\)/,
    );
  });
});

describe("the catalog refuses what it would not bill as written", () => {
  const load =
    (sku: Record<string, unknown>, currency = "usd") =>
    () =>
      parseCatalog({
        source: "prices.json",
        json: {
          currency,
          resource_types: [{ type: "graph", name: "Graph", skus: [{ sku: "x", ...sku }] }],
        },
      });
  const perUnit = { billing_model: "per_unit", unit_amount: 9900 };
  const tiered = {
    billing_model: "tiered",
    tiers_mode: "graduated",
    tiers: [
      { up_to: 5, unit_amount: 2000 },
      { up_to: null, unit_amount: 1500 },
    ],
  };
  const at = (field: string) =>
    new RegExp(`prices\\.json: resource_types\\.0\\.skus\\.0\\.${field.replaceAll(".", "\\.")}: `);

  it("names every field that would change an amount if it were honoured", () => {
    expect(load({ ...perUnit, interval_count: 3 })).toThrow(at("interval_count"));
    expect(load({ ...perUnit, interval_count: 3 })).toThrow(/3× over|interval_count 1/);
    expect(load({ ...perUnit, transform_quantity: { divide_by: 10, round: "up" } })).toThrow(
      at("transform_quantity"),
    );
    expect(load({ ...perUnit, flat_amount: 500 })).toThrow(at("flat_amount"));
    expect(load({ ...tiered, flat_amount: 500 })).toThrow(/belongs on a tier/);
    expect(load({ ...perUnit, currency: "eur" })).toThrow(at("currency"));
    expect(load({ ...perUnit, unit_amount_decimal: "9900.5" })).toThrow(at("unit_amount_decimal"));
    expect(load({ ...perUnit, custom_unit_amount: { enabled: true } })).toThrow(
      at("custom_unit_amount"),
    );
    expect(load({ ...perUnit, currency_options: { eur: { unit_amount: 9000 } } })).toThrow(
      at("currency_options"),
    );
    expect(load({ ...perUnit, billing_scheme: "tiered" })).toThrow(at("billing_scheme"));
    expect(load({ ...perUnit, usage_type: "metered" })).toThrow(at("usage_type"));
    expect(load({ ...perUnit, type: "one_time" })).toThrow(at("type"));
    expect(load({ ...perUnit, recurring: { interval: "month", interval_count: 3 } })).toThrow(
      at("recurring.interval_count"),
    );
    expect(load({ ...perUnit, recurring: { interval: "month", trial_period_days: 14 } })).toThrow(
      at("recurring.trial_period_days"),
    );
    expect(
      load({
        ...tiered,
        tiers: [
          { up_to: 5, unit_amount: 2000, flat_amount_decimal: "1.5" },
          { up_to: null, unit_amount: 1500 },
        ],
      }),
    ).toThrow(at("tiers.0.flat_amount_decimal"));
    // Unknown keys that look like amounts are refused too (a typo would be billed as 0 otherwise).
    expect(load({ ...perUnit, setup_fee: 5000 })).toThrow(at("setup_fee"));
    expect(load({ ...perUnit, minimumAmount: 100 })).toThrow(at("minimumAmount"));
    expect(load({ ...perUnit, trial_period_days: 30 })).toThrow(at("trial_period_days"));
    expect(load({ ...perUnit, unit_ammount: 100 })).toThrow(at("unit_ammount"));
  });

  it("keeps accepting what bills the same: extra fields, explicit defaults, the catalog's currency", () => {
    const catalog = load({
      ...perUnit,
      interval_count: 1,
      currency: "USD",
      recurring: { interval: "month", interval_count: 1, usage_type: "licensed" },
      billing_scheme: "per_unit",
      usage_type: "licensed",
      type: "recurring",
      tax_behavior: "exclusive",
      nickname: "Standard",
      description: "the usual one",
      metadata: { team: "graphs" },
      effective_from: "2027-01-01T00:00:00Z",
    })();
    expect(catalog.prices.get("graph/x")?.[0]?.price).toEqual({
      resource_type: "graph",
      sku: "x",
      billing_model: "per_unit",
      currency: "usd",
      interval: "month",
      unit_amount: 9900,
    });
    expect(catalog.schedules.get("graph/x")).toEqual({
      effective_from: new Date("2027-01-01T00:00:00Z"),
    });
    // Stripe spells the open bound "inf".
    const inf = load({ ...tiered, tiers: [{ up_to: "inf", unit_amount: 1500 }] })();
    expect(inf.prices.get("graph/x")?.[0]?.price.tiers).toEqual([
      { up_to: null, unit_amount: 1500 },
    ]);
  });

  it("reads the version schedule and refuses a contradictory or malformed one", () => {
    expect(load({ ...perUnit, grandfathered: true })().schedules.get("graph/x")).toEqual({
      grandfathered: true,
    });
    expect(load({ ...perUnit, grandfathered: "yes" })).toThrow(at("grandfathered"));
    expect(load({ ...perUnit, effective_from: "2027-01-01" })).toThrow(at("effective_from"));
    expect(load({ ...perUnit, effective_from: "next month" })).toThrow(at("effective_from"));
    expect(
      load({ ...perUnit, grandfathered: true, effective_from: "2027-01-01T00:00:00Z" }),
    ).toThrow(at("effective_from"));
  });

  it(`refuses a price whose month line at ${MAX_QUANTITY} resources could pass 2^53`, () => {
    const safeUnit = Math.floor(Number.MAX_SAFE_INTEGER / MAX_QUANTITY);
    expect(load({ billing_model: "per_unit", unit_amount: safeUnit })).not.toThrow();
    expect(load({ billing_model: "per_unit", unit_amount: safeUnit + 1 })).toThrow(
      at("unit_amount"),
    );
    expect(load({ billing_model: "per_unit", unit_amount: safeUnit + 1 })).toThrow(/2\^53/);
    // A flat fee on top counts.
    expect(
      load({
        billing_model: "tiered",
        tiers_mode: "graduated",
        tiers: [{ up_to: null, unit_amount: safeUnit, flat_amount: Number.MAX_SAFE_INTEGER }],
      }),
    ).toThrow(at("tiers"));
    // Volume: a dear first tier reached only up to its bound is fine; the cheap last one at the
    // limit is what matters.
    expect(
      load({
        billing_model: "tiered",
        tiers_mode: "volume",
        tiers: [
          { up_to: 10, unit_amount: 10 ** 12 },
          { up_to: null, unit_amount: safeUnit },
        ],
      }),
    ).not.toThrow();
    expect(
      load({
        billing_model: "tiered",
        tiers_mode: "volume",
        tiers: [
          { up_to: 10_000, unit_amount: 10 ** 12 },
          { up_to: null, unit_amount: 1 },
        ],
      }),
    ).toThrow(at("tiers"));
  });

  it("bounds every line by the most one period can cost at that quantity", () => {
    const volume: Price = {
      resource_type: "graph",
      sku: "x",
      billing_model: "tiered",
      currency: "usd",
      interval: "month",
      unit_amount: null,
      tiers_mode: "volume",
      tiers: [
        { up_to: 10, unit_amount: 100, flat_amount: 7 },
        { up_to: null, unit_amount: 50 },
      ],
    };
    // q = 10 costs 1,007 and q = 11 costs 550: the bound is the dearer one.
    expect(maxPeriodAmount({ price: volume, quantity: 15 })).toBe(1007n);
    expect(maxPeriodAmount({ price: volume, quantity: 100 })).toBe(5000n);
    expect(maxPeriodAmount({ price: volume, quantity: 5 })).toBe(507n);
  });
});

describe("a meter's unit names", () => {
  const load = (meter: Record<string, unknown>) => () =>
    parseCatalog({
      source: "prices.json",
      json: {
        currency: "usd",
        meters: [{ event_name: "flow_runs", name: "Flow runs", aggregation: "sum", ...meter }],
        resource_types: [
          {
            type: "flow",
            name: "Flow",
            skus: [
              {
                sku: "runs",
                billing_model: "metered",
                unit_amount: 2,
                meter: { event_name: "flow_runs" },
              },
            ],
          },
        ],
      },
    });
  it("are optional, and a plural needs its singular", () => {
    expect(load({ unit_name: "run" })().meters.get("flow_runs")?.unit_name).toBe("run");
    expect(load({})().meters.get("flow_runs")?.unit_name).toBeUndefined();
    expect(load({ unit_name_plural: "runs" })).toThrow(/meters\.0\.unit_name_plural/);
    expect(load({ unit_name: "" })).toThrow(/meters\.0\.unit_name/);
  });
});
