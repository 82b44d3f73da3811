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

/** The default catalog with a meter of every aggregation. */
export async function writeUsageCatalog(): Promise<string> {
  const catalog = JSON.parse(await readFile("src/catalog/default-catalog.json", "utf8"));
  catalog.meters = usageMeters;
  const path = join(await mkdtemp(join(tmpdir(), "ktrlplane-usage-")), "catalog.json");
  await writeFile(path, JSON.stringify(catalog));
  return path;
}
