// `npm run bench`: every benchmark section in order, one table each. Sections live in their own
// files (bench/http-vs-raw.ts, ...) and are listed here; `npm run bench -- <name>` runs one.
import { availableParallelism } from "node:os";
import { adminUrlFromEnv, dropPendingDatabases } from "./bench-database.js";
import { costs } from "./costs.js";
import { costsPglite } from "./costs-pglite.js";
import { backgroundLoad } from "./cpu-usage.js";
import { healthzUnderLoad } from "./healthz-under-load.js";
import { httpVsRaw } from "./http-vs-raw.js";
import { listPaged } from "./list-paged.js";
import { meteredChargesSection } from "./metered-charges.js";
import { formatSection } from "./print-table.js";
import type { BenchSection } from "./section.js";
import { startConfig } from "./start-config.js";
import { stripeBurst } from "./stripe-burst.js";
import { usageIngest } from "./usage-ingest.js";
import { usageQuery } from "./usage-query.js";

const sections: BenchSection[] = [
  httpVsRaw,
  startConfig,
  stripeBurst,
  costs,
  costsPglite,
  healthzUnderLoad,
  listPaged,
  usageIngest,
  usageQuery,
  meteredChargesSection,
];

const args = process.argv.slice(2);
const json = args.includes("--json");
const only = args.filter((a) => !a.startsWith("--"));
const unknown = only.filter((name) => !sections.some((s) => s.name === name));
if (unknown.length > 0) {
  console.error(
    `unknown section ${unknown.join(", ")}; known: ${sections.map((s) => s.name).join(", ")}`,
  );
  process.exit(2);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`${signal}: dropping the bench databases`);
    void dropPendingDatabases().finally(() => process.exit(130));
  });
}

const adminUrl = adminUrlFromEnv();
// The figures are only worth something on a quiet machine: say how quiet it was.
const cores = availableParallelism();
const idleLoad = await backgroundLoad({ ms: 1_000, cores });
console.log(
  `machine: ${cores} cores, ${(idleLoad * 100).toFixed(0)} % busy before the bench started` +
    (idleLoad > 0.1 ? " — other processes are running, expect lower and noisier figures" : ""),
);
const results: Record<string, unknown> = { cores, backgroundLoad: idleLoad };
for (const section of sections) {
  if (only.length > 0 && !only.includes(section.name)) continue;
  const result = await section.run({ adminUrl });
  console.log(`${formatSection(result)}\n`);
  results[section.name] = { rows: result.rows, ...result.data };
}
if (json) console.log(JSON.stringify(results, null, 2));
