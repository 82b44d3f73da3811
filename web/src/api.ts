/**
 * The console's only door to the server: typed calls over HTTP to `/v1`, bearer token from
 * localStorage, problem+json errors turned into `ApiError` with words a person can read.
 */

export type Role = "owner" | "billing_admin" | "editor" | "viewer";
export type BillingMode = "inherit" | "separate";
export type AccountStatus = "active" | "setup_required" | "past_due" | "unpaid" | "canceled";

export interface User {
  id: string;
  email: string;
  name: string;
}
export interface Me {
  user: User;
  organizations: { id: string; name: string; role: Role | null }[];
}
export interface Organization {
  id: string;
  name: string;
  primary_billing_account_id: string;
  currency: string;
  role: Role | null;
}
export interface AccountRef {
  id: string | null;
  name: string;
  scope: "organization" | "project";
  status?: AccountStatus;
}
export interface ProjectBillingRef {
  mode: BillingMode;
  billing_account_id: string | null;
  inherited: boolean;
  billing_account: AccountRef;
}
export interface Project {
  id: string;
  name: string;
  organization_id: string;
  billing: ProjectBillingRef;
  created_at: string;
}
export interface ProjectBilling extends ProjectBillingRef {
  can_manage_billing: boolean;
  can_manage_organization_billing: boolean;
  managed_by: { email: string; name: string; role: string }[];
}
export interface BillingSwitch extends ProjectBillingRef {
  effective_at: string;
  moved: { resource_id: string; name: string; resource_type: string; sku: string }[];
  from: { billing_account_id: string; name: string };
}
export interface Tier {
  up_to: number | null;
  unit_amount: number;
  flat_amount?: number;
}
export interface Sku {
  sku: string;
  billing_model: "free" | "per_unit" | "tiered" | "metered";
  /** Null for free and tiered prices (the server sends null; tiers carry the amounts). */
  unit_amount: number | null;
  interval: string;
  tiers_mode?: "graduated" | "volume";
  tiers?: Tier[];
  currency: string;
}
export interface ResourceType {
  type: string;
  name: string;
  skus: Sku[];
}
export interface Preview {
  billing_account_id: string | null;
  billing_account: { id: string | null; name: string; scope: string };
  currency: string;
  billing_model: string;
  monthly_amount: number;
  prorated_amount: number;
  period_end: string;
}
export interface Resource {
  id: string;
  name: string;
  project_id: string;
  organization_id: string;
  resource_type: string;
  sku: string;
  created_at: string;
  billing: ProjectBillingRef;
}
export interface AccountItem {
  resource_type: string;
  sku: string;
  quantity: number;
  unit_amount: number;
  amount: number;
}
export interface BillingAccount {
  id: string;
  organization_id: string;
  name: string;
  scope: "organization" | "project";
  currency: string;
  status: AccountStatus;
  current_period?: { start: string; end: string };
  items?: AccountItem[];
  projects?: { id: string; name: string }[];
}
export interface InvoiceLine {
  resource_type: string;
  sku: string;
  description: string;
  quantity: number;
  amount: number;
}
export interface Invoice {
  period: { start: string; end: string };
  lines: InvoiceLine[];
  total: number;
  currency: string;
}
export type GroupBy = "project" | "resource_type" | "resource" | "billing_account";
export interface Costs {
  currency: string;
  from: string;
  to: string;
  total: number;
  projected_total: number;
  groups: { key: string; name: string; amount: number; projected_amount: number }[];
}
export interface Member {
  user_id: string;
  email: string;
  name: string;
  role: Role;
  scope: string;
}

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

/** Turns any failed response into an ApiError whose message is a readable sentence. */
export async function problemFrom(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const problem = (body && typeof body === "object" ? body : {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? v : undefined);
  const detail = text(problem.detail) ?? text(problem.message) ?? text(problem.title);
  const field = text(problem.field);
  return new ApiError({
    status: response.status,
    code: text(problem.code) ?? `http_${response.status}`,
    title: text(problem.title) ?? statusSentence(response.status),
    detail: detail ?? statusSentence(response.status),
    ...(field ? { field } : {}),
  });
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
  const token = tokenStore.get();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? "GET",
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === "AbortError") throw cause;
    throw new ApiError({
      status: 0,
      code: "network",
      title: "Network error",
      detail: "The server could not be reached. Check your connection and try again.",
    });
  }
  if (!response.ok) {
    const error = await problemFrom(response);
    if (response.status === 401 && token && !path.startsWith("/v1/auth/")) onUnauthorized();
    throw error;
  }
  if (response.status === 204) return undefined as T;
  const type = response.headers.get("content-type") ?? "";
  if (!type.includes("json")) return undefined as T;
  return (await response.json()) as T;
}

const q = encodeURIComponent;
let catalogRequest: Promise<ResourceType[]> | null = null;
type List<T> = { data: T[] };

export const api = {
  signup: (body: { email: string; password: string; name: string }) =>
    request<{ user: User; token: string }>("/v1/auth/signup", { method: "POST", body }),
  login: (body: { email: string; password: string }) =>
    request<{ token: string }>("/v1/auth/login", { method: "POST", body }),
  me: () => request<Me>("/v1/me"),

  createOrganization: (name: string) =>
    request<Organization>("/v1/organizations", { method: "POST", body: { name } }),
  organization: (id: string) => request<Organization>(`/v1/organizations/${q(id)}`),
  organizationProjects: (id: string) =>
    request<List<Project>>(`/v1/organizations/${q(id)}/projects`).then((r) => r.data),
  organizationAccounts: (id: string) =>
    request<List<BillingAccount>>(`/v1/organizations/${q(id)}/billing-accounts`).then(
      (r) => r.data,
    ),
  createAccount: (orgId: string, body: { name: string; currency?: string }) =>
    request<BillingAccount>(`/v1/organizations/${q(orgId)}/billing-accounts`, {
      method: "POST",
      body,
    }),
  organizationMembers: (id: string) =>
    request<List<Member>>(`/v1/organizations/${q(id)}/members`).then((r) => r.data),
  addOrganizationMember: (id: string, body: { email: string; role: Role }) =>
    request<unknown>(`/v1/organizations/${q(id)}/members`, { method: "POST", body }),
  costs: (orgId: string, params: { from?: string; to?: string; group_by: GroupBy }) => {
    const search = new URLSearchParams({ group_by: params.group_by });
    if (params.from) search.set("from", params.from);
    if (params.to) search.set("to", params.to);
    return request<Costs>(`/v1/organizations/${q(orgId)}/costs?${search}`);
  },

  createProject: (body: {
    name: string;
    organization_id?: string;
    billing?: { mode: BillingMode; billing_account_id?: string };
  }) => request<Project>("/v1/projects", { method: "POST", body }),
  project: (id: string) => request<Project>(`/v1/projects/${q(id)}`),
  deleteProject: (id: string) => request<void>(`/v1/projects/${q(id)}`, { method: "DELETE" }),
  projectBilling: (id: string) => request<ProjectBilling>(`/v1/projects/${q(id)}/billing`),
  switchProjectBilling: (
    id: string,
    body: { mode: BillingMode; billing_account_id?: string },
    dryRun: boolean,
  ) =>
    request<BillingSwitch>(`/v1/projects/${q(id)}/billing${dryRun ? "?dry_run=true" : ""}`, {
      method: "PUT",
      body,
    }),
  projectResources: (id: string) =>
    request<List<Resource>>(`/v1/projects/${q(id)}/resources`).then((r) => r.data),
  addProjectMember: (id: string, body: { email: string; role: Role }) =>
    request<unknown>(`/v1/projects/${q(id)}/members`, { method: "POST", body }),

  /** The catalog changes only with a deploy: fetched once per page load (again after a failure). */
  resourceTypes: (): Promise<ResourceType[]> => {
    catalogRequest ??= request<List<ResourceType>>("/v1/resource-types")
      .then((r) => r.data)
      .catch((error) => {
        catalogRequest = null;
        throw error;
      });
    return catalogRequest;
  },
  preview: (body: {
    project_id?: string;
    organization_id?: string;
    resource_type: string;
    sku: string;
    project_billing?: { mode: BillingMode; billing_account_id?: string; name?: string };
  }) => request<Preview>("/v1/pricing/preview", { method: "POST", body }),
  createResource: (
    body: {
      project_id?: string;
      project?: {
        name: string;
        organization_id?: string;
        billing?: { mode: BillingMode; billing_account_id?: string };
      };
      resource_type: string;
      sku: string;
      name: string;
    },
    idempotencyKey: string,
  ) =>
    request<Resource>("/v1/resources", {
      method: "POST",
      body,
      headers: { "Idempotency-Key": idempotencyKey },
    }),
  resource: (id: string) => request<Resource>(`/v1/resources/${q(id)}`),
  deleteResource: (id: string) => request<void>(`/v1/resources/${q(id)}`, { method: "DELETE" }),

  account: (id: string) => request<BillingAccount>(`/v1/billing-accounts/${q(id)}`),
  upcomingInvoice: (id: string) =>
    request<Invoice>(`/v1/billing-accounts/${q(id)}/upcoming-invoice`),
  charges: (id: string) => request<Invoice>(`/v1/billing-accounts/${q(id)}/charges`),
  setupAccount: (id: string) =>
    request<{ url: string; session_id: string }>(`/v1/billing-accounts/${q(id)}/setup`, {
      method: "POST",
    }),
  /** Asks for a sync pass now: after checkout, the payment method is picked up at once. */
  syncAccount: (id: string) =>
    request<{ pending: number }>(`/v1/billing-accounts/${q(id)}/sync`, { method: "POST" }),
};
