import { measureCreateDelete } from "./create-delete.js";
import type { BenchSection } from "./section.js";

/**
 * Issue 9's hot path under `npm start`'s configuration: every setting at its default (the
 * reconciler on inside the server, the local provider, logs at `info`), on PostgreSQL.
 */
export const startConfig: BenchSection = {
  name: "start-config",
  run: ({ adminUrl }) =>
    measureCreateDelete({
      adminUrl,
      title: "npm start's configuration (reconciler on, local provider, logs at info) vs raw SQL",
      serverConfig: { KTRLPLANE_WORKER: "on" },
      targetRatio: 0.5,
      targetP99Ms: 25,
      serial: false,
    }),
};
