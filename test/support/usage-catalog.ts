import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const usageMeters = [
  { event_name: "flow_runs", name: "Flow runs", aggregation: "sum" },
  { event_name: "api_calls", name: "API calls", aggregation: "count" },
  { event_name: "peak_connections", name: "Peak connections", aggregation: "max" },
  {
    event_name: "active_users",
    name: "Active users",
    aggregation: "unique_count",
    property: "user",
  },
  { event_name: "seats", name: "Seats", aggregation: "latest" },
];

/** The catalog file's JSON, loosely typed: tests add meters and resource types to it. */
export type CatalogJson = any;

/** The default catalog as `edit` leaves it, written to a file of its own: the file's path. */
export async function writeTestCatalog(edit: (catalog: CatalogJson) => void): Promise<string> {
  const catalog = JSON.parse(await readFile("src/catalog/default-catalog.json", "utf8"));
  edit(catalog);
  const path = join(await mkdtemp(join(tmpdir(), "ktrlplane-catalog-")), "catalog.json");
  await writeFile(path, JSON.stringify(catalog));
  return path;
}

/** A resource type with one metered SKU on the meter `event_name`, priced by `price`'s fields. */
export function meteredType(options: {
  type: string;
  sku: string;
  eventName: string;
  price: object;
}) {
  const { type, sku, eventName, price } = options;
  return {
    type,
    name: type.toUpperCase(),
    skus: [{ sku, billing_model: "metered", meter: { event_name: eventName }, ...price }],
  };
}

/**
 * The default catalog (flow/runs: a `sum` meter at 2 cents) with a meter of every aggregation and
 * one metered price on each other meter, each priced by another scheme: api/calls (`count`, per
 * unit at `apiUnitAmountDecimal` cents), db/peak (`max`, graduated tiers), app/users
 * (`unique_count`, packages of 2) and seats/seat (`latest`, volume tiers). `edit` adds to it.
 */
export function writeMeteredCatalog(options: {
  apiUnitAmountDecimal: string;
  edit?: (catalog: CatalogJson) => void;
}): Promise<string> {
  return writeTestCatalog((catalog) => {
    catalog.meters = usageMeters;
    catalog.resource_types.push(
      meteredType({
        type: "api",
        sku: "calls",
        eventName: "api_calls",
        price: { unit_amount_decimal: options.apiUnitAmountDecimal },
      }),
      meteredType({
        type: "db",
        sku: "peak",
        eventName: "peak_connections",
        price: {
          tiers_mode: "graduated",
          tiers: [
            { up_to: 10, unit_amount: 100 },
            { up_to: null, unit_amount: 50 },
          ],
        },
      }),
      meteredType({
        type: "app",
        sku: "users",
        eventName: "active_users",
        price: { unit_amount: 500, package_size: 2 },
      }),
      meteredType({
        type: "seats",
        sku: "seat",
        eventName: "seats",
        price: {
          tiers_mode: "volume",
          tiers: [
            { up_to: 5, unit_amount: 1000 },
            { up_to: null, unit_amount: 800 },
          ],
        },
      }),
    );
    options.edit?.(catalog);
  });
}

/** The default catalog with a meter of every aggregation. */
export function writeUsageCatalog(): Promise<string> {
  return writeTestCatalog((catalog) => {
    catalog.meters = usageMeters;
  });
}
