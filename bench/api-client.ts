import { randomBytes } from "node:crypto";
import http from "node:http";

/** A signed-up user with one project (billing inherited from the organization's primary account). */
export interface BenchTenant {
  token: string;
  projectId: string;
  organizationId: string;
  billingAccountId: string;
}

// node:http with a keep-alive agent costs the load generator about half the CPU per request of
// fetch (undici's WHATWG layer); on a 2-core machine shared with the server and PostgreSQL, that is
// CPU the system under test gets back. BENCH_HTTP_CLIENT=fetch measures with fetch instead.
const useFetch = process.env.BENCH_HTTP_CLIENT === "fetch";
export const httpClientName = useFetch ? "fetch" : "node:http keep-alive";
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function send(options: {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}): Promise<{ status: number; text: string }> {
  if (useFetch) {
    return fetch(options.url, options).then(async (r) => ({
      status: r.status,
      text: await r.text(),
    }));
  }
  return new Promise((resolve, reject) => {
    const request: http.ClientRequest = http.request(
      options.url,
      {
        method: options.method,
        agent,
        headers: {
          ...options.headers,
          ...(options.body === undefined
            ? {}
            : { "content-length": Buffer.byteLength(options.body) }),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            text: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        response.on("error", reject);
      },
    );
    request.on("error", (error: NodeJS.ErrnoException) => {
      // A kept-alive socket the server closed as idle just as this request was written on it
      // (PGlite sections hold the event loop for longer than the server's keep-alive timeout): the
      // server never read the request, so it is sent again on a new socket, as Node's docs advise
      // (`request.reusedSocket`).
      if (request.reusedSocket && error.code === "ECONNRESET") send(options).then(resolve, reject);
      else reject(error);
    });
    request.end(options.body);
  });
}

/** One JSON request through the bench's HTTP client; any other status than `expect` throws. */
export async function callApi<T>(options: {
  baseUrl: string;
  method: string;
  path: string;
  token?: string;
  body?: unknown;
  expect: number;
}): Promise<T> {
  const { status, text } = await send({
    url: `${options.baseUrl}${options.path}`,
    method: options.method,
    headers: {
      ...(options.body === undefined ? {} : { "content-type": "application/json" }),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  if (status !== options.expect) {
    throw new Error(
      `${options.method} ${options.path}: expected ${options.expect}, got ${status} ${text}`,
    );
  }
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Signs up through the API and creates a project there, as a user of the console would. */
export async function signUpTenant(options: { baseUrl: string }): Promise<BenchTenant> {
  const { baseUrl } = options;
  const { token } = await callApi<{ token: string }>({
    baseUrl,
    method: "POST",
    path: "/v1/auth/signup",
    body: {
      email: `bench-${randomBytes(4).toString("hex")}@example.com`,
      password: "bench-password",
      name: "Bench",
    },
    expect: 201,
  });
  const project = await callApi<{
    id: string;
    organization_id: string;
    billing: { billing_account_id: string };
  }>({
    baseUrl,
    method: "POST",
    path: "/v1/projects",
    token,
    body: { name: "bench" },
    expect: 201,
  });
  return {
    token,
    projectId: project.id,
    organizationId: project.organization_id,
    billingAccountId: project.billing.billing_account_id,
  };
}

export async function createResourceViaApi(options: {
  baseUrl: string;
  tenant: BenchTenant;
  name: string;
}): Promise<string> {
  const resource = await callApi<{ id: string }>({
    baseUrl: options.baseUrl,
    method: "POST",
    path: "/v1/resources",
    token: options.tenant.token,
    body: {
      project_id: options.tenant.projectId,
      resource_type: "graph",
      sku: "standard",
      name: options.name,
    },
    expect: 201,
  });
  return resource.id;
}

export async function deleteResourceViaApi(options: {
  baseUrl: string;
  tenant: BenchTenant;
  id: string;
}): Promise<void> {
  await callApi<undefined>({
    baseUrl: options.baseUrl,
    method: "DELETE",
    path: `/v1/resources/${options.id}`,
    token: options.tenant.token,
    expect: 204,
  });
}

/** A second billing account in the tenant's organization, as a department would have. */
export async function addDepartmentAccount(options: {
  baseUrl: string;
  tenant: BenchTenant;
}): Promise<string> {
  const department = await callApi<{ id: string }>({
    baseUrl: options.baseUrl,
    method: "POST",
    path: `/v1/organizations/${options.tenant.organizationId}/billing-accounts`,
    token: options.tenant.token,
    body: { name: "Department" },
    expect: 201,
  });
  return department.id;
}
