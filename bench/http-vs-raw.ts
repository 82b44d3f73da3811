import { measureCreateDelete } from "./create-delete.js";
import type { BenchSection } from "./section.js";

/**
 * The hot path of the API against plain SQL: the server as the integration tests build it
 * (createApp, logs silent, no reconciler), so that only the request path is measured.
 */
export const httpVsRaw: BenchSection = {
  name: "http-vs-raw",
  run: ({ adminUrl }) =>
    measureCreateDelete({
      adminUrl,
      title: "HTTP API vs raw SQL on PostgreSQL",
      serverConfig: { LOG_LEVEL: "silent", KTRLPLANE_WORKER: "off" },
      targetRatio: 0.4,
      targetP99Ms: 25,
      serial: true,
    }),
};
