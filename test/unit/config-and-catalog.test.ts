import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCatalogFile, parseCatalog } from "../../src/catalog/load-catalog.js";
import { defaultCatalogPath, loadConfig } from "../../src/config.js";

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
    expect(catalog.prices.get("graph/standard")).toMatchObject({
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
    expect(catalog.prices.get("graph/standard")?.stripe_price_id).toBe("price_x");
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
    expect(catalog.prices.get("storage/standard")?.tiers).toHaveLength(2);
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
