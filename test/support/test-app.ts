import { createApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import type { AppContext } from "../../src/context.js";
import type { Database } from "../../src/db/database.js";
import type { BillingProvider } from "../../src/providers/billing-provider.js";
import { OpenApiContract } from "./openapi-contract.js";
import { openTestDatabase } from "./test-database.js";

/** A clock that only moves when told: proration and periods become exact to check. */
export class TestClock {
  constructor(private current: Date) {}
  now = (): Date => new Date(this.current);
  set(at: string | Date): void {
    this.current = new Date(at);
  }
  advance(options: { seconds?: number; days?: number }): void {
    const ms = ((options.seconds ?? 0) + (options.days ?? 0) * 86_400) * 1000;
    this.current = new Date(this.current.getTime() + ms);
  }
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface ApiClient {
  get<T = any>(path: string): Promise<ApiResponse<T>>;
  post<T = any>(
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ApiResponse<T>>;
  put<T = any>(path: string, body?: unknown): Promise<ApiResponse<T>>;
  delete<T = any>(path: string): Promise<ApiResponse<T>>;
  /** Raw body, for malformed input. */
  send<T = any>(
    method: string,
    path: string,
    raw: string,
    headers?: Record<string, string>,
  ): Promise<ApiResponse<T>>;
}

export type TestDatabase = Database & { drop: () => Promise<void> };

export interface TestApp {
  url: string;
  clock: TestClock;
  ctx: AppContext;
  /** The database under this app: hand it to another `startTestApp` to restart on it. */
  db: TestDatabase;
  /** A client with no token, or with the token of a user. */
  client(token?: string): ApiClient;
  /** Signs a new user up; returns their client, token and user. */
  signUp(options?: {
    name?: string;
    email?: string;
  }): Promise<{ api: ApiClient; token: string; user: { id: string; email: string; name: string } }>;
  /** Stops the server and drops the database, unless it is kept for a restart. */
  close(options?: { keepDatabase?: boolean }): Promise<void>;
}

let userCounter = 0;

/** The OpenAPI document served at `url`, fetched at the first call and kept. */
export function lazyContract(url: string): () => Promise<OpenApiContract> {
  let contract: Promise<OpenApiContract> | undefined;
  return () => {
    contract ??= OpenApiContract.load(url);
    return contract;
  };
}

/**
 * A client of the API at `url` (this process's test app, or a server in another process); every
 * response it receives must be one the served OpenAPI document describes.
 */
export function createApiClient(options: {
  url: string;
  token?: string;
  contract: () => Promise<OpenApiContract>;
}): ApiClient {
  const { url, token } = options;
  const request = async (
    method: string,
    path: string,
    raw?: string,
    headers: Record<string, string> = {},
  ) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...(raw !== undefined ? { "content-type": "application/json" } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: raw,
    });
    const text = await response.text();
    (await options.contract()).check({
      method,
      path,
      status: response.status,
      contentType: response.headers.get("content-type"),
      text,
    });
    return {
      status: response.status,
      body: text ? JSON.parse(text) : undefined,
      headers: response.headers,
    };
  };
  return {
    get: (path) => request("GET", path),
    post: (path, body, headers) => request("POST", path, JSON.stringify(body ?? {}), headers),
    put: (path, body) => request("PUT", path, JSON.stringify(body ?? {})),
    delete: (path) => request("DELETE", path),
    send: (method, path, raw, headers) => request(method, path, raw, headers),
  };
}

/** The real server on a real socket over a fresh database of the project's kind. */
export async function startTestApp(
  options: {
    at?: string;
    /** A provider wired to this app's database, e.g. Stripe pointed at the emulator. */
    provider?: (db: Database) => BillingProvider;
    /** Another catalog file than the default one. */
    catalogPath?: string;
    /** More configuration, e.g. `{ KTRLPLANE_REQUEST_TIMEOUT_MS: "1000" }`. */
    env?: Record<string, string>;
    /** Wraps the database the server uses, e.g. to count statements (`statement-counter.ts`). */
    wrapDatabase?: (db: Database) => Database;
    /** Restart on the database of an app closed with `keepDatabase` (default: a fresh one). */
    db?: TestDatabase;
  } = {},
): Promise<TestApp> {
  const db = options.db ?? (await openTestDatabase());
  const clock = new TestClock(new Date(options.at ?? "2026-11-10T00:00:00Z"));
  const config = loadConfig({
    LOG_LEVEL: "silent",
    KTRLPLANE_WORKER: "off",
    ...(options.catalogPath ? { KTRLPLANE_CATALOG: options.catalogPath } : {}),
    ...options.env,
  });
  const { ctx, server } = await createApp({
    config,
    db: options.wrapDatabase ? options.wrapDatabase(db) : db,
    clock: clock.now,
    ...(options.provider ? { provider: options.provider(db) } : {}),
  });
  await server.listen({ port: 0, host: "127.0.0.1" });
  const url = `http://127.0.0.1:${(server.server.address() as { port: number }).port}`;
  // Every response a test receives must be one the served OpenAPI document describes.
  const contract = lazyContract(url);
  const client = (token?: string): ApiClient =>
    createApiClient({ url, ...(token ? { token } : {}), contract });

  return {
    url,
    clock,
    ctx,
    db,
    client,
    async signUp(options = {}) {
      userCounter += 1;
      const email = options.email ?? `user${userCounter}-${Date.now()}@example.com`;
      const response = await client().post("/v1/auth/signup", {
        email,
        password: "correct horse battery",
        name: options.name ?? `User ${userCounter}`,
      });
      if (response.status !== 201)
        throw new Error(`sign-up failed: ${JSON.stringify(response.body)}`);
      return {
        api: client(response.body.token),
        token: response.body.token,
        user: response.body.user,
      };
    },
    async close(closeOptions = {}) {
      await server.close();
      if (!closeOptions.keepDatabase) await db.drop();
    },
  };
}

/**
 * Moves `app`'s clock forward to `at` as a returning user would: `api`'s session is used at least
 * every 10 days, so it outlives the 14-day idle expiry however far the clock goes.
 */
export async function moveClockAsUser(options: {
  app: TestApp;
  api: ApiClient;
  at: string;
}): Promise<void> {
  const { app, api } = options;
  const target = new Date(options.at).getTime();
  while (app.clock.now().getTime() < target) {
    app.clock.set(new Date(Math.min(target, app.clock.now().getTime() + 10 * 86_400_000)));
    const me = await api.get("/v1/me");
    if (me.status !== 200) throw new Error(`session lost on the way: ${JSON.stringify(me.body)}`);
  }
}
