// The API server under test, in its own process so that it does not share an event loop (or a
// core's worth of CPU accounting) with the load generator. Started by server-process.ts.
import type { AddressInfo } from "node:net";
import { createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { openPostgres } from "../src/db/postgres.js";
import { countingDatabase } from "./counting-database.js";
import { processCpuMs } from "./cpu-usage.js";
import type { ServerMessage, ServerRequest } from "./server-process.js";

const send = (message: ServerMessage) => process.send?.(message);

const databaseUrl = process.env.BENCH_SERVER_DATABASE_URL;
if (!databaseUrl || !process.send) {
  console.error("server-child.ts is started by bench/server-process.ts");
  process.exit(2);
}

// Production wiring (main.ts): the same config loader and the same pool as openDatabase.
const config = loadConfig({
  DATABASE_URL: databaseUrl,
  LOG_LEVEL: "silent",
  KTRLPLANE_WORKER: "off",
});
const { db, counters } = countingDatabase(openPostgres({ url: databaseUrl }));
const { server } = await createApp({ config, db });
await server.listen({ port: 0, host: "127.0.0.1" });
const { port } = server.server.address() as AddressInfo;

process.on("message", async (request: ServerRequest) => {
  if (request.type === "stats") {
    send({ type: "stats", id: request.id, counters: { ...counters }, cpuMs: processCpuMs() });
  } else if (request.type === "stop") {
    await server.close();
    await db.close();
    process.exit(0);
  }
});
// The parent died or let go: nothing is left to serve.
process.on("disconnect", () => process.exit(0));

send({ type: "listening", port });
