/**
 * The console's only door to the server: a client generated from the API's OpenAPI document
 * (`web/src/api/schema.d.ts`, `npm run generate:client`), the bearer token from localStorage,
 * problem+json errors turned into `ApiError` with words a person can read.
 */
import createClient from "openapi-fetch";
import type { paths } from "./api/schema";
import { type ResourceType, readResourceType } from "./catalog";

type Method = "get" | "post" | "put" | "patch" | "delete";
type JsonOf<R> = R extends { content: { "application/json": infer B } } ? B : never;
/** The JSON a successful call of `method path` answers, exactly as the server documents it. */
export type ResponseOf<P extends keyof paths, M extends Method> = paths[P][M] extends {
  responses: infer R;
}
  ? JsonOf<R[Extract<keyof R, 200 | 201>]>
  : never;
/** The JSON body `method path` accepts. */
export type BodyOf<P extends keyof paths, M extends Method> = paths[P][M] extends {
  requestBody?: infer B;
}
  ? JsonOf<NonNullable<B>>
  : never;

export type Me = ResponseOf<"/v1/me", "get">;
export type User = Me["user"];
export type Organization = ResponseOf<"/v1/organizations/{id}", "get">;
export type Project = ResponseOf<"/v1/projects/{id}", "get">;
export type ProjectBillingRef = Project["billing"];
export type AccountRef = ProjectBillingRef["billing_account"];
export type BillingMode = ProjectBillingRef["mode"];
export type ProjectBilling = ResponseOf<"/v1/projects/{id}/billing", "get">;
export type BillingSwitch = ResponseOf<"/v1/projects/{id}/billing", "put">;
export type PrimaryChange = ResponseOf<"/v1/billing-accounts/{id}/make-primary", "post">;
export type ResourceUsage = ResponseOf<"/v1/resources/{id}/usage", "get">;
export type Granularity = ResourceUsage["granularity"];
export type Preview = ResponseOf<"/v1/pricing/preview", "post">;
export type Resource = ResponseOf<"/v1/resources/{id}", "get">;
export type BillingAccount = ResponseOf<"/v1/billing-accounts/{id}", "get">;
export type AccountItem = BillingAccount["items"][number];
export type Invoice = ResponseOf<"/v1/billing-accounts/{id}/upcoming-invoice", "get">;
export type InvoiceLine = Invoice["lines"][number];
export type InvoicePage = ResponseOf<"/v1/billing-accounts/{id}/invoices", "get">;
export type InvoiceSummary = InvoicePage["data"][number];
export type FinalizedInvoice = ResponseOf<"/v1/invoices/{id}", "get">;
export type UpcomingInvoice = ResponseOf<"/v1/billing-accounts/{id}/upcoming-invoice", "get">;
export type Costs = ResponseOf<"/v1/organizations/{id}/costs", "get">;
export type GroupBy = NonNullable<
  NonNullable<paths["/v1/organizations/{id}/costs"]["get"]["parameters"]["query"]>["group_by"]
>;
export type Member = ResponseOf<"/v1/organizations/{id}/members", "get">["data"][number];
export type Role = BodyOf<"/v1/organizations/{id}/members", "post">["role"];
export type Invitation = ResponseOf<"/v1/organizations/{id}/invitations", "get">["data"][number];
export type InvitationSent = ResponseOf<"/v1/organizations/{id}/members", "post">;
export type AccountStatus = BillingAccount["status"];
export type Permissions = Organization["permissions"];
export type AuditPage = ResponseOf<"/v1/organizations/{id}/audit", "get">;
export type AuditEntry = AuditPage["data"][number];
export type AuditQuery = NonNullable<
  paths["/v1/organizations/{id}/audit"]["get"]["parameters"]["query"]
>;
export type { ResourceType, Sku } from "./catalog";

/** An error from the API (or from reaching it), always with a sentence for people. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly field: string | undefined;
  constructor(init: {
    status: number;
    code: string;
    title: string;
    detail: string;
    field?: string;
  }) {
    super(init.detail);
    this.name = "ApiError";
    this.status = init.status;
    this.code = init.code;
    this.title = init.title;
    this.field = init.field;
  }
}

const TOKEN_KEY = "ktrlplane.token";
export const tokenStore = {
  get: (): string | null => globalThis.localStorage?.getItem(TOKEN_KEY) ?? null,
  set: (token: string) => globalThis.localStorage?.setItem(TOKEN_KEY, token),
  clear: () => globalThis.localStorage?.removeItem(TOKEN_KEY),
};

type UnauthorizedListener = () => void;
let onUnauthorized: UnauthorizedListener = () => {};
export function setUnauthorizedHandler(listener: UnauthorizedListener): void {
  onUnauthorized = listener;
}

function statusSentence(status: number): string {
  if (status === 401) return "Your session has ended. Please log in again.";
  if (status === 403) return "You do not have permission to do this.";
  if (status === 404) return "This was not found. It may have been deleted.";
  if (status === 429) return "Too many requests. Please wait a moment and try again.";
  if (status >= 500) return "The server ran into a problem. Please try again in a moment.";
  return `The request failed (HTTP ${status}).`;
}

/** A failed call's status and body (parsed JSON, text, or nothing) as an ApiError. */
export function problemOf(status: number, body: unknown): ApiError {
  const problem = body && typeof body === "object" ? body : {};
  const text = (key: string) => {
    const v: unknown = (problem as Record<string, unknown>)[key];
    return typeof v === "string" && v.trim() !== "" ? v : undefined;
  };
  const detail = text("detail") ?? text("message") ?? text("title");
  const field = text("field");
  return new ApiError({
    status,
    code: text("code") ?? `http_${status}`,
    title: text("title") ?? statusSentence(status),
    detail: detail ?? statusSentence(status),
    ...(field ? { field } : {}),
  });
}

/** Turns any failed response into an ApiError whose message is a readable sentence. */
export async function problemFrom(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  return problemOf(response.status, body);
}

const client = createClient<paths>({
  // Same origin as the console; an absolute base keeps `Request` happy outside a browser too.
  baseUrl: globalThis.location?.origin ?? "http://localhost",
  // Looked up at call time, so tests can stub `fetch`.
  fetch: (request) => globalThis.fetch(request),
  headers: { Accept: "application/json" },
});
client.use({
  onRequest({ request }) {
    const token = tokenStore.get();
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
});

type Result<T, E> =
  | { data: T; error?: never; response: Response }
  | { data?: never; error: E; response: Response };

/** Runs one call: network failures and problem+json answers become ApiErrors. */
async function run<T, E>(path: string, call: () => Promise<Result<T, E>>): Promise<T | undefined> {
  const token = tokenStore.get();
  let result: Result<T, E>;
  try {
    result = await call();
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === "AbortError") throw cause;
    throw new ApiError({
      status: 0,
      code: "network",
      title: "Network error",
      detail: "The server could not be reached. Check your connection and try again.",
    });
  }
  if (!result.response.ok || result.error !== undefined) {
    const status = result.response.status;
    if (status === 401 && token && !path.startsWith("/v1/auth/")) onUnauthorized();
    throw problemOf(status, result.error);
  }
  return result.data;
}

/** A call that answers JSON: an empty success is an error, not `undefined` in the page. */
async function send<T, E>(path: string, call: () => Promise<Result<T, E>>): Promise<T & {}> {
  const data = await run(path, call);
  if (data === undefined || data === null) {
    throw new ApiError({
      status: 200,
      code: "empty_response",
      title: "Empty answer",
      detail: "The server answered without the expected data. Please try again.",
    });
  }
  return data;
}

/** A call that answers nothing (204). */
async function sendEmpty<T, E>(path: string, call: () => Promise<Result<T, E>>): Promise<void> {
  await run(path, call);
}

let catalogRequest: Promise<ResourceType[]> | null = null;
const byId = (id: string) => ({ params: { path: { id } } });
/** The page of a list after `cursor` (the first without), as large as the server allows. */
const pageOf = (id: string, cursor?: string) => ({
  params: { path: { id }, query: { limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) } },
});

/** One page of a list and the cursor of the next (null on the last). */
export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}
/** Items per page the console asks for (the server's maximum is 200). */
export const PAGE_SIZE = 100;

/**
 * Every item of a list the console needs whole (a select of accounts or projects), page by
 * page, but never more than `maxPages`: `complete` is false when more were left out.
 */
export async function allPages<T>(
  load: (cursor?: string) => Promise<Page<T>>,
  maxPages = 10,
): Promise<{ items: T[]; complete: boolean }> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const answer = await load(cursor);
    items.push(...answer.data);
    if (answer.next_cursor === null) return { items, complete: true };
    cursor = answer.next_cursor;
  }
  return { items, complete: false };
}

export const api = {
  signup: (body: BodyOf<"/v1/auth/signup", "post">) =>
    send("/v1/auth/signup", () => client.POST("/v1/auth/signup", { body })),
  login: (body: BodyOf<"/v1/auth/login", "post">) =>
    send("/v1/auth/login", () => client.POST("/v1/auth/login", { body })),
  me: () => send("/v1/me", () => client.GET("/v1/me")),

  createOrganization: (name: string) =>
    send("/v1/organizations", () => client.POST("/v1/organizations", { body: { name } })),
  organization: (id: string) =>
    send("/v1/organizations", () => client.GET("/v1/organizations/{id}", byId(id))),
  organizationProjects: (id: string, cursor?: string) =>
    send("/v1/organizations", () =>
      client.GET("/v1/organizations/{id}/projects", pageOf(id, cursor)),
    ),
  organizationAccounts: (id: string, cursor?: string) =>
    send("/v1/organizations", () =>
      client.GET("/v1/organizations/{id}/billing-accounts", pageOf(id, cursor)),
    ),
  createAccount: (orgId: string, body: BodyOf<"/v1/organizations/{id}/billing-accounts", "post">) =>
    send("/v1/organizations", () =>
      client.POST("/v1/organizations/{id}/billing-accounts", { ...byId(orgId), body }),
    ),
  organizationMembers: (id: string, cursor?: string) =>
    send("/v1/organizations", () =>
      client.GET("/v1/organizations/{id}/members", pageOf(id, cursor)),
    ),
  addOrganizationMember: (id: string, body: BodyOf<"/v1/organizations/{id}/members", "post">) =>
    send("/v1/organizations", () =>
      client.POST("/v1/organizations/{id}/members", { ...byId(id), body }),
    ),
  pendingInvitations: (id: string) =>
    send("/v1/organizations", () =>
      client.GET("/v1/organizations/{id}/invitations", {
        params: { path: { id }, query: { status: "pending", limit: 100 } },
      }),
    ).then((r) => r.data),
  revokeInvitation: (id: string) =>
    sendEmpty("/v1/invitations", () => client.DELETE("/v1/invitations/{id}", byId(id))),
  acceptInvitation: (token: string) =>
    send("/v1/invitations", () => client.POST("/v1/invitations/accept", { body: { token } })),
  renameOrganization: (id: string, name: string) =>
    send("/v1/organizations", () =>
      client.PATCH("/v1/organizations/{id}", { ...byId(id), body: { name } }),
    ),
  changeOrganizationMember: (id: string, userId: string, role: Role) =>
    send("/v1/organizations", () =>
      client.PUT("/v1/organizations/{id}/members/{user_id}", {
        params: { path: { id, user_id: userId } },
        body: { role },
      }),
    ),
  removeOrganizationMember: (id: string, userId: string) =>
    sendEmpty("/v1/organizations", () =>
      client.DELETE("/v1/organizations/{id}/members/{user_id}", {
        params: { path: { id, user_id: userId } },
      }),
    ),
  audit: (id: string, query: AuditQuery) =>
    send("/v1/organizations", () =>
      client.GET("/v1/organizations/{id}/audit", { params: { path: { id }, query } }),
    ),
  /** One page of the breakdown's groups (largest first); the totals are the whole window's. */
  costs: (
    orgId: string,
    query: { from?: string; to?: string; group_by: GroupBy; limit?: number; cursor?: string },
  ) =>
    send("/v1/organizations", () =>
      client.GET("/v1/organizations/{id}/costs", { params: { path: { id: orgId }, query } }),
    ),

  createProject: (body: BodyOf<"/v1/projects", "post">) =>
    send("/v1/projects", () => client.POST("/v1/projects", { body })),
  project: (id: string) => send("/v1/projects", () => client.GET("/v1/projects/{id}", byId(id))),
  deleteProject: (id: string) =>
    sendEmpty("/v1/projects", () => client.DELETE("/v1/projects/{id}", byId(id))),
  projectBilling: (id: string) =>
    send("/v1/projects", () => client.GET("/v1/projects/{id}/billing", byId(id))),
  switchProjectBilling: (
    id: string,
    body: BodyOf<"/v1/projects/{id}/billing", "put">,
    dryRun: boolean,
  ) =>
    send("/v1/projects", () =>
      client.PUT("/v1/projects/{id}/billing", {
        params: { path: { id }, ...(dryRun ? { query: { dry_run: "true" as const } } : {}) },
        body,
      }),
    ),
  projectResources: (id: string, cursor?: string) =>
    send("/v1/projects", () => client.GET("/v1/projects/{id}/resources", pageOf(id, cursor))),
  renameProject: (id: string, name: string) =>
    send("/v1/projects", () => client.PATCH("/v1/projects/{id}", { ...byId(id), body: { name } })),
  projectMembers: (id: string, cursor?: string) =>
    send("/v1/projects", () => client.GET("/v1/projects/{id}/members", pageOf(id, cursor))),
  changeProjectMember: (id: string, userId: string, role: Role) =>
    send("/v1/projects", () =>
      client.PUT("/v1/projects/{id}/members/{user_id}", {
        params: { path: { id, user_id: userId } },
        body: { role },
      }),
    ),
  removeProjectMember: (id: string, userId: string) =>
    sendEmpty("/v1/projects", () =>
      client.DELETE("/v1/projects/{id}/members/{user_id}", {
        params: { path: { id, user_id: userId } },
      }),
    ),
  addProjectMember: (id: string, body: BodyOf<"/v1/projects/{id}/members", "post">) =>
    send("/v1/projects", () => client.POST("/v1/projects/{id}/members", { ...byId(id), body })),

  /** The catalog changes only with a deploy: fetched once per page load (again after a failure). */
  resourceTypes: (): Promise<ResourceType[]> => {
    catalogRequest ??= send("/v1/resource-types", () => client.GET("/v1/resource-types"))
      .then((r) => r.data.map(readResourceType))
      .catch((error) => {
        catalogRequest = null;
        throw error;
      });
    return catalogRequest;
  },
  preview: (body: BodyOf<"/v1/pricing/preview", "post">) =>
    send("/v1/pricing/preview", () => client.POST("/v1/pricing/preview", { body })),
  createResource: (body: BodyOf<"/v1/resources", "post">, idempotencyKey: string) =>
    send("/v1/resources", () =>
      client.POST("/v1/resources", {
        body,
        headers: { "Idempotency-Key": idempotencyKey },
      }),
    ),
  resource: (id: string) => send("/v1/resources", () => client.GET("/v1/resources/{id}", byId(id))),
  renameResource: (id: string, name: string) =>
    send("/v1/resources", () =>
      client.PATCH("/v1/resources/{id}", { ...byId(id), body: { name } }),
    ),
  /** One meter's usage of a resource over [from, to), per hour or day (buckets holding events). */
  resourceCosts: (id: string) =>
    send("/v1/resources", () => client.GET("/v1/resources/{id}/costs", byId(id))),
  resourceUsage: (
    id: string,
    query: { event_name: string; from: string; to: string; granularity: Granularity },
  ) =>
    send("/v1/resources", () =>
      client.GET("/v1/resources/{id}/usage", { params: { path: { id }, query } }),
    ),
  deleteResource: (id: string) =>
    sendEmpty("/v1/resources", () => client.DELETE("/v1/resources/{id}", byId(id))),

  account: (id: string) =>
    send("/v1/billing-accounts", () => client.GET("/v1/billing-accounts/{id}", byId(id))),
  renameAccount: (id: string, name: string) =>
    send("/v1/billing-accounts", () =>
      client.PATCH("/v1/billing-accounts/{id}", { ...byId(id), body: { name } }),
    ),
  /** Makes the account the organization's primary; `dryRun` only says what would move. */
  makePrimary: (id: string, dryRun: boolean) =>
    send("/v1/billing-accounts", () =>
      client.POST("/v1/billing-accounts/{id}/make-primary", {
        params: { path: { id }, ...(dryRun ? { query: { dry_run: "true" as const } } : {}) },
      }),
    ),
  closeAccount: (id: string) =>
    send("/v1/billing-accounts", () => client.POST("/v1/billing-accounts/{id}/close", byId(id))),
  upcomingInvoice: (id: string) =>
    send("/v1/billing-accounts", () =>
      client.GET("/v1/billing-accounts/{id}/upcoming-invoice", byId(id)),
    ),
  charges: (id: string) =>
    send("/v1/billing-accounts", () => client.GET("/v1/billing-accounts/{id}/charges", byId(id))),
  /** The account's finalized invoices, newest first; `cursor` is the previous page's `next_cursor`. */
  accountInvoices: (id: string, cursor?: string) =>
    send("/v1/billing-accounts", () =>
      client.GET("/v1/billing-accounts/{id}/invoices", {
        params: { path: { id }, query: { limit: 12, ...(cursor ? { cursor } : {}) } },
      }),
    ),
  invoice: (id: string) => send("/v1/invoices", () => client.GET("/v1/invoices/{id}", byId(id))),
  setupAccount: (id: string) =>
    send("/v1/billing-accounts", () => client.POST("/v1/billing-accounts/{id}/setup", byId(id))),
  /** How far the payment provider is in step; `provider` says whether Stripe bills the account. */
  accountSync: (id: string) =>
    send("/v1/billing-accounts", () => client.GET("/v1/billing-accounts/{id}/sync", byId(id))),
  /** A one-time link to Stripe's customer portal (card, Stripe's invoices). */
  portalSession: (id: string) =>
    send("/v1/billing-accounts", () =>
      client.POST("/v1/billing-accounts/{id}/portal-session", byId(id)),
    ),
  /** Asks for a sync pass now: after checkout, the payment method is picked up at once. */
  syncAccount: (id: string) =>
    send("/v1/billing-accounts", () => client.POST("/v1/billing-accounts/{id}/sync", byId(id))),
};
