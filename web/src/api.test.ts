import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, api, setUnauthorizedHandler, tokenStore } from "./api";

function answer(status: number, body?: unknown, type = "application/json"): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: body === undefined ? {} : { "content-type": type },
  });
}

function stubFetch(response: () => Response) {
  const calls: Request[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (request: Request) => {
      calls.push(request);
      return response();
    }),
  );
  return calls;
}

afterEach(() => {
  vi.unstubAllGlobals();
  tokenStore.clear();
  setUnauthorizedHandler(() => {});
});

describe("the generated API client", () => {
  it("sends the bearer token and the idempotency key, and returns the typed body", async () => {
    tokenStore.set("tok_1");
    const resource = {
      id: "r_1",
      name: "db",
      project_id: "p_1",
      organization_id: "o_1",
      resource_type: "graph",
      sku: "standard",
      created_at: "2026-11-29T00:00:00.000Z",
      billing: {
        mode: "inherit",
        billing_account_id: "ba_1",
        inherited: true,
        billing_account: { id: "ba_1", name: "Acme", scope: "organization", status: "active" },
      },
    };
    const calls = stubFetch(() => answer(201, resource));
    const created = await api.createResource(
      { project_id: "p_1", resource_type: "graph", sku: "standard", name: "db" },
      "key-1",
    );
    expect(created.billing.billing_account.name).toBe("Acme");
    const request = calls[0];
    expect(request?.method).toBe("POST");
    expect(new URL(request?.url ?? "").pathname).toBe("/v1/resources");
    expect(request?.headers.get("authorization")).toBe("Bearer tok_1");
    expect(request?.headers.get("idempotency-key")).toBe("key-1");
    expect(await request?.json()).toMatchObject({ name: "db", sku: "standard" });
  });

  it("turns problem+json into an ApiError with code, field and message", async () => {
    stubFetch(() =>
      answer(
        422,
        {
          type: "about:blank",
          title: "Unprocessable",
          status: 422,
          code: "organization_required",
          detail: "Choose the organization for this project.",
          field: "organization_id",
        },
        "application/problem+json",
      ),
    );
    const error = await api.createProject({ name: "x" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 422,
      code: "organization_required",
      field: "organization_id",
      message: "Choose the organization for this project.",
    });
  });

  it("ends the session on 401 outside /v1/auth, not on a failed login", async () => {
    const ended = vi.fn();
    setUnauthorizedHandler(ended);
    tokenStore.set("old");
    stubFetch(() => answer(401, { title: "Unauthorized", code: "unauthenticated" }));
    await expect(api.me()).rejects.toMatchObject({ status: 401, code: "unauthenticated" });
    expect(ended).toHaveBeenCalledTimes(1);
    await expect(api.login({ email: "a@b.c", password: "x" })).rejects.toBeInstanceOf(ApiError);
    expect(ended).toHaveBeenCalledTimes(1);
  });

  it("accepts 204 for deletes and words network failures", async () => {
    stubFetch(() => new Response(null, { status: 204 }));
    await expect(api.deleteResource("r_1")).resolves.toBeUndefined();
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => {
        throw new TypeError("fetch failed");
      }),
    );
    await expect(api.me()).rejects.toMatchObject({ status: 0, code: "network" });
  });

  it("reads the catalog's open SKU objects into prices the console can show", async () => {
    stubFetch(() =>
      answer(200, {
        data: [
          {
            type: "storage",
            name: "Storage",
            skus: [
              {
                sku: "standard",
                billing_model: "tiered",
                tiers_mode: "volume",
                interval: "month",
                currency: "usd",
                unit_amount: null,
                tiers: [
                  { up_to: 5, unit_amount: 2000 },
                  { up_to: null, unit_amount: 1500 },
                ],
                stripe_price_id: "price_x",
              },
            ],
          },
        ],
      }),
    );
    const [storage] = await api.resourceTypes();
    expect(storage?.skus[0]).toEqual({
      sku: "standard",
      billing_model: "tiered",
      tiers_mode: "volume",
      interval: "month",
      currency: "usd",
      unit_amount: null,
      tiers: [
        { up_to: 5, unit_amount: 2000 },
        { up_to: null, unit_amount: 1500 },
      ],
    });
  });
});
