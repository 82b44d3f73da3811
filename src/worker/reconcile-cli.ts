import { randomUUID } from "node:crypto";
import { createApp } from "../app.js";
import { syncAccount } from "../billing/sync-billing-account.js";
import { loadConfig } from "../config.js";
import { openDatabase } from "../db/open-database.js";
import { rows, sqlb } from "../db/typed.js";

// npm run reconcile [-- --dry-run]: one full pass over every billing account, printing drift.
const dryRun = process.argv.includes("--dry-run");
const config = loadConfig({ ...process.env, LOG_LEVEL: "silent" });
const db = await openDatabase(config);
const { ctx } = await createApp({ config, db });
const owner = `cli-${randomUUID()}`;
const accounts = await rows(
  db,
  sqlb
    .selectFrom("ktrlplane.billing_accounts")
    .select(["id", "name"])
    .orderBy("created_at")
    .orderBy("id"),
);
let failures = 0;
for (const account of accounts) {
  try {
    const outcome = await syncAccount({
      ctx,
      billingAccountId: account.id,
      owner,
      full: true,
      dryRun,
    });
    const drift = outcome.drift.map((d) => `drift ${d.kind}: ${d.detail}`);
    const changes = outcome.changes.map(
      (c) => `${dryRun ? "would" : "did"} ${c.kind}: ${c.detail}`,
    );
    console.log(
      `${account.id} ${account.name}: ${[...drift, ...changes].length === 0 ? "in step" : ""}`,
    );
    for (const line of [...drift, ...changes]) console.log(`  ${line}`);
  } catch (error) {
    failures += 1;
    console.log(`${account.id} ${account.name}: failed: ${(error as Error).message}`);
  }
}
console.log(
  `${accounts.length} accounts, ${failures} failed (${ctx.provider.name}${dryRun ? ", dry run" : ""})`,
);
await db.close();
process.exit(failures > 0 ? 1 : 0);
