import { type BenchTenant, createResourceViaApi, signUpTenant } from "./api-client.js";
import { startServerProcess } from "./server-process.js";

/**
 * The usage sections' server: the usage catalog, no worker, silent logs, one tenant holding
 * `resourceCount` metered resources created through the API. Stopped when `work` ends.
 */
export async function withUsageTenant<T>(options: {
  databaseUrl: string;
  catalogPath: string;
  resourceCount: number;
  work: (tenant: {
    baseUrl: string;
    tenant: BenchTenant;
    resources: string[];
    /** The server process's CPU time so far, ms. */
    serverCpuMs: () => Promise<number>;
  }) => Promise<T>;
}): Promise<T> {
  const server = await startServerProcess({
    databaseUrl: options.databaseUrl,
    config: {
      LOG_LEVEL: "silent",
      KTRLPLANE_WORKER: "off",
      KTRLPLANE_CATALOG: options.catalogPath,
    },
  });
  try {
    const { baseUrl } = server;
    const tenant = await signUpTenant({ baseUrl });
    const resources: string[] = [];
    for (let i = 0; i < options.resourceCount; i++) {
      resources.push(await createResourceViaApi({ baseUrl, tenant, name: `r${i}` }));
    }
    const serverCpuMs = async () => (await server.stats()).cpuMs;
    return await options.work({ baseUrl, tenant, resources, serverCpuMs });
  } finally {
    await server.stop();
  }
}
