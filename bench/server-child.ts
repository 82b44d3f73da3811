// The API server under test, in its own process so that it does not share an event loop (or a
// core's worth of CPU accounting) with the load generator. Started by server-process.ts.
import type { AddressInfo } from "node:net";
import { buildHttpServer } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { createContext } from "../src/context.js";
import { openPostgres } from "../src/db/postgres.js";
import { startConfiguredReconciler } from "../src/worker/reconciler-loop.js";
import { countingDatabase } from "./counting-database.js";
import { processCpuMs } from "./cpu-usage.js";
import type { ServerMessage, ServerRequest } from "./server-process.js";

const send = (message: ServerMessage) => process.send?.(message);

const databaseUrl = process.env.BENCH_SERVER_DATABASE_URL;
if (!databaseUrl || !process.send) {
  console.error("server-child.ts is started by bench/server-process.ts");
  process.exit(2);
}

// Production wiring, as src/main.ts does it: the same config loader over the section's settings
// (BENCH_SERVER_CONFIG), the same pool as openDatabase, and the reconciler when
// KTRLPLANE_WORKER is on. The only addition is the statement counter around the pool.
const config = loadConfig({
  ...(JSON.parse(process.env.BENCH_SERVER_CONFIG ?? "{}") as Record<string, string>),
  DATABASE_URL: databaseUrl,
});
const { db, counters } = countingDatabase(openPostgres({ url: databaseUrl }));
const ctx = await createContext({ config, db });
const server = await buildHttpServer({ ctx, config });
const reconciler =
  config.KTRLPLANE_WORKER === "on" ? startConfiguredReconciler({ ctx, config }) : undefined;
await server.listen({ port: 0, host: "127.0.0.1" });
const { port } = server.server.address() as AddressInfo;

process.on("message", async (request: ServerRequest) => {
  if (request.type === "stats") {
    send({ type: "stats", id: request.id, counters: { ...counters }, cpuMs: processCpuMs() });
  } else if (request.type === "stop") {
    await reconciler?.stop();
    await server.close();
    await db.close();
    process.exit(0);
  }
});
// The parent died or let go: nothing is left to serve.
process.on("disconnect", () => process.exit(0));

send({ type: "listening", port });
