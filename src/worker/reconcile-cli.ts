import { randomUUID } from "node:crypto";
import { syncAccount } from "../billing/sync-billing-account.js";
import { loadConfigOrExit } from "../config.js";
import { createContext } from "../context.js";
import { openDatabase } from "../db/open-database.js";
import { rows, sqlb } from "../db/typed.js";
import { createLogger } from "../observability/logger.js";

// npm run reconcile [-- --dry-run]: one full pass over every billing account, printing drift.
// The drift report is this command's output, not a log: it goes to stdout as plain lines (for a
// person or a pipe). Logs go to stderr through the context's logger (LOG_LEVEL, default warn
// here so that a terminal shows only the report unless asked).
const dryRun = process.argv.includes("--dry-run");
const config = loadConfigOrExit();
const db = await openDatabase(config);
const log = createLogger({
  level: process.env.LOG_LEVEL ? config.LOG_LEVEL : "warn",
  destination: 2,
});
const ctx = await createContext({ config, db, log });
const print = (line: string) => process.stdout.write(`${line}\n`);
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
    print(`${account.id} ${account.name}: ${[...drift, ...changes].length === 0 ? "in step" : ""}`);
    for (const line of [...drift, ...changes]) print(`  ${line}`);
  } catch (error) {
    failures += 1;
    ctx.log.child({ billing_account_id: account.id }).debug({ err: error }, "reconcile failed");
    print(`${account.id} ${account.name}: failed: ${(error as Error).message}`);
  }
}
print(
  `${accounts.length} accounts, ${failures} failed (${ctx.provider.name}${dryRun ? ", dry run" : ""})`,
);
await db.close();
process.exit(failures > 0 ? 1 : 0);
