import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ApiClient,
  type ApiResponse,
  startTestApp,
  type TestApp,
} from "../support/test-app.js";
import { testDatabaseAvailable } from "../support/test-database.js";

// Bad input never gives a 500 and never leaves half-written data. Everything through the API.

function expectProblem(response: ApiResponse, status: number, code: string, field?: string): void {
  expect(
    { status: response.status, code: response.body?.code },
    JSON.stringify(response.body),
  ).toEqual({ status, code });
  expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  expect(response.body.status).toBe(status);
  expect(typeof response.body.detail).toBe("string");
  expect(response.body.detail.length).toBeGreaterThan(0);
  if (field !== undefined) expect(response.body.field, JSON.stringify(response.body)).toBe(field);
}

function expectStatus(response: ApiResponse, status: number): void {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
}

const validResource = { resource_type: "graph", sku: "standard", name: "g" };

describe.skipIf(!testDatabaseAvailable)("bad input", () => {
  let app: TestApp;
  let api: ApiClient;
  let organization: { id: string; primary_billing_account_id: string };
  let project: { id: string; name: string };

  const resourceIds = async (projectId = project.id): Promise<string[]> => {
    const list = await api.get(`/v1/projects/${projectId}/resources`);
    expectStatus(list, 200);
    return list.body.data.map((r: { id: string }) => r.id).sort();
  };
  const projectIds = async (): Promise<string[]> => {
    const list = await api.get(`/v1/organizations/${organization.id}/projects`);
    expectStatus(list, 200);
    return list.body.data.map((p: { id: string }) => p.id).sort();
  };
  const items = async () => {
    const account = await api.get(
      `/v1/billing-accounts/${organization.primary_billing_account_id}`,
    );
    expectStatus(account, 200);
    return account.body.items;
  };
  const accountIds = async (): Promise<string[]> => {
    const list = await api.get(`/v1/organizations/${organization.id}/billing-accounts`);
    expectStatus(list, 200);
    return list.body.data.map((a: { id: string }) => a.id).sort();
  };
  /** A user who has never created anything: Flow 1 and Flow 2 would create their organization. */
  const newcomer = async () => {
    const { api: client } = await app.signUp();
    const expectNoOrganization = async () => {
      const organizations = await client.get("/v1/organizations");
      expectStatus(organizations, 200);
      expect(organizations.body.data).toEqual([]);
    };
    return { api: client, expectNoOrganization };
  };

  beforeAll(async () => {
    app = await startTestApp();
    ({ api } = await app.signUp({ name: "Bea Baseline" }));
    const created = await api.post("/v1/projects", { name: "baseline" });
    expectStatus(created, 201);
    project = created.body;
    const organizations = await api.get("/v1/organizations");
    organization = organizations.body.data[0];
    const resource = await api.post("/v1/resources", { project_id: project.id, ...validResource });
    expectStatus(resource, 201);
  });

  afterAll(async () => {
    await app?.close();
  });

  describe("malformed bodies", () => {
    it("malformed JSON is 400 malformed_json on every writing route", async () => {
      const routes: Array<[string, string]> = [
        ["POST", "/v1/auth/signup"],
        ["POST", "/v1/organizations"],
        ["POST", "/v1/projects"],
        ["POST", "/v1/resources"],
        ["PUT", `/v1/projects/${project.id}/billing`],
        ["POST", `/v1/organizations/${organization.id}/billing-accounts`],
        ["POST", `/v1/organizations/${organization.id}/members`],
        ["POST", "/v1/pricing/preview"],
      ];
      for (const [method, path] of routes) {
        for (const raw of ['{"name": "x",', "{name: 'x'}", "not json", '{"a":1}}']) {
          expectProblem(await api.send(method, path, raw), 400, "malformed_json");
        }
      }
      expect(await projectIds()).toEqual([project.id]);
    });

    it("a body that is JSON but not an object is 422, not 500", async () => {
      for (const raw of ["[]", '["name"]', '"a project"', "42", "true"]) {
        expectProblem(await api.send("POST", "/v1/projects", raw), 422, "validation_failed");
        expectProblem(await api.send("POST", "/v1/resources", raw), 422, "validation_failed");
      }
      // null and an empty body read as "no fields": the first required field is named.
      expectProblem(
        await api.send("POST", "/v1/organizations", "null"),
        422,
        "validation_failed",
        "name",
      );
      expectProblem(
        await api.send("POST", "/v1/organizations", ""),
        422,
        "validation_failed",
        "name",
      );
      expect(await projectIds()).toEqual([project.id]);
    });

    it("a content type other than JSON is 415, a body over the limit is 413, both as problems", async () => {
      expectProblem(
        await api.send("POST", "/v1/organizations", "name=x", {
          "content-type": "application/x-www-form-urlencoded",
        }),
        415,
        "unsupported_media_type",
      );
      const huge = JSON.stringify({ name: "x".repeat(2 * 1024 * 1024) });
      expectProblem(await api.send("POST", "/v1/organizations", huge), 413, "payload_too_large");
      const organizations = await api.get("/v1/organizations");
      expect(organizations.body.data.map((o: { id: string }) => o.id)).toEqual([organization.id]);
    });
  });

  describe("schema violations name the field", () => {
    it("unknown fields are 422 validation_failed naming the field, also when nested", async () => {
      const cases: Array<[string, string, unknown, string]> = [
        ["POST", "/v1/organizations", { name: "x", colour: "red" }, "colour"],
        [
          "POST",
          "/v1/projects",
          { name: "x", organization_id: organization.id, colour: "red" },
          "colour",
        ],
        [
          "POST",
          "/v1/projects",
          {
            name: "x",
            organization_id: organization.id,
            billing: { mode: "inherit", colour: "red" },
          },
          "billing.colour",
        ],
        [
          "POST",
          "/v1/resources",
          { project_id: project.id, ...validResource, colour: "red" },
          "colour",
        ],
        [
          "POST",
          "/v1/resources",
          {
            project: { name: "x", organization_id: organization.id, colour: "red" },
            ...validResource,
          },
          "project.colour",
        ],
        [
          "POST",
          "/v1/resources",
          {
            project: {
              name: "x",
              organization_id: organization.id,
              billing: { mode: "separate", colour: "red" },
            },
            ...validResource,
          },
          "project.billing.colour",
        ],
        ["PUT", `/v1/projects/${project.id}/billing`, { mode: "inherit", colour: "red" }, "colour"],
        [
          "POST",
          `/v1/organizations/${organization.id}/billing-accounts`,
          { name: "x", colour: "red" },
          "colour",
        ],
        [
          "POST",
          `/v1/organizations/${organization.id}/members`,
          { email: "a@example.com", role: "viewer", colour: "red" },
          "colour",
        ],
        [
          "POST",
          "/v1/pricing/preview",
          { project_id: project.id, resource_type: "graph", sku: "free", colour: "red" },
          "colour",
        ],
      ];
      for (const [method, path, body, field] of cases) {
        const response = await api.send(method, path, JSON.stringify(body));
        expectProblem(response, 422, "validation_failed", field);
        expect(response.body.detail).toContain(field);
      }
      expect(await projectIds()).toEqual([project.id]);
    });

    it("wrong types are 422 naming the field", async () => {
      const cases: Array<[string, unknown, string]> = [
        ["/v1/organizations", { name: 42 }, "name"],
        ["/v1/organizations", { name: null }, "name"],
        ["/v1/organizations", { name: ["a"] }, "name"],
        ["/v1/projects", { name: "x", organization_id: 7 }, "organization_id"],
        ["/v1/projects", { name: { first: "x" }, organization_id: organization.id }, "name"],
        ["/v1/resources", { project_id: [project.id], ...validResource }, "project_id"],
        ["/v1/resources", { project_id: project.id, ...validResource, sku: 1 }, "sku"],
        [
          "/v1/resources",
          { project_id: project.id, ...validResource, resource_type: false },
          "resource_type",
        ],
        ["/v1/resources", { project: "new", ...validResource }, "project"],
        [
          `/v1/organizations/${organization.id}/members`,
          { email: "not-an-email", role: "viewer" },
          "email",
        ],
        [
          `/v1/organizations/${organization.id}/members`,
          { email: "a@example.com", role: "admin" },
          "role",
        ],
        ["/v1/auth/signup", { email: "x@example.com", password: "short", name: "x" }, "password"],
        ["/v1/auth/signup", { email: "nope", password: "long enough", name: "x" }, "email"],
      ];
      for (const [path, body, field] of cases) {
        expectProblem(await api.post(path, body), 422, "validation_failed", field);
      }
      const badMode = await api.post("/v1/projects", {
        name: "x",
        organization_id: organization.id,
        billing: { mode: "sometimes" },
      });
      expectProblem(badMode, 422, "validation_failed");
      expect(badMode.body.field).toMatch(/^billing/);
      const badSwitch = await api.put(`/v1/projects/${project.id}/billing`, { mode: 1 });
      expectProblem(badSwitch, 422, "validation_failed");
      expect(await projectIds()).toEqual([project.id]);
      expect(await resourceIds()).toHaveLength(1);
    });

    it("names that are blank, whitespace or over 200 characters are refused; 200 is accepted", async () => {
      for (const name of ["", "   ", "\t\n", "x".repeat(201), ` ${"x".repeat(201)} `]) {
        expectProblem(
          await api.post("/v1/organizations", { name }),
          422,
          "validation_failed",
          "name",
        );
        expectProblem(
          await api.post("/v1/projects", { name, organization_id: organization.id }),
          422,
          "validation_failed",
          "name",
        );
        expectProblem(
          await api.post("/v1/resources", { project_id: project.id, ...validResource, name }),
          422,
          "validation_failed",
          "name",
        );
        expectProblem(
          await api.post("/v1/resources", {
            project: { name, organization_id: organization.id },
            ...validResource,
          }),
          422,
          "validation_failed",
          "project.name",
        );
        expectProblem(
          await api.post(`/v1/organizations/${organization.id}/billing-accounts`, { name }),
          422,
          "validation_failed",
          "name",
        );
      }
      expect(await projectIds()).toEqual([project.id]);
      expect(await resourceIds()).toHaveLength(1);

      const longest = await api.post("/v1/projects", {
        name: "x".repeat(200),
        organization_id: organization.id,
      });
      expectStatus(longest, 201);
      expect(longest.body.name).toBe("x".repeat(200));
      const padded = await api.post("/v1/projects", {
        name: "  padded  ",
        organization_id: organization.id,
      });
      expectStatus(padded, 201);
      expect(padded.body.name).toBe("padded");
      for (const id of [longest.body.id, padded.body.id])
        expectStatus(await api.delete(`/v1/projects/${id}`), 204);
    });

    it("a currency that is not ISO 4217 is 422 on the currency field; the organization's own is accepted", async () => {
      const before = await accountIds();
      for (const currency of ["XYZ", "", "dollars", 840, null]) {
        expectProblem(
          await api.post(`/v1/organizations/${organization.id}/billing-accounts`, {
            name: "dept",
            currency,
          }),
          422,
          "validation_failed",
          "currency",
        );
      }
      expectProblem(
        await api.post(`/v1/organizations/${organization.id}/billing-accounts`, {
          name: "dept",
          currency: "EUR",
        }),
        422,
        "currency_mismatch",
        "currency",
      );
      expect(await accountIds()).toEqual(before);
      const usd = await api.post(`/v1/organizations/${organization.id}/billing-accounts`, {
        name: "dept",
        currency: "USD",
      });
      expectStatus(usd, 201);
      expect(usd.body.currency).toBe("usd");
    });

    it("bad query parameters are 422 naming the parameter", async () => {
      const accountsBefore = await accountIds();
      const costs = `/v1/organizations/${organization.id}/costs`;
      expectProblem(await api.get(`${costs}?from=yesterday`), 422, "validation_failed", "from");
      expectProblem(
        await api.get(`${costs}?to=2026-13-45T00:00:00Z`),
        422,
        "validation_failed",
        "to",
      );
      expectProblem(
        await api.get(`${costs}?group_by=colour`),
        422,
        "validation_failed",
        "group_by",
      );
      expectProblem(await api.get(`${costs}?colour=red`), 422, "validation_failed", "colour");
      expectProblem(
        await api.get(`${costs}?from=2026-11-10T00:00:00Z&to=2026-11-01T00:00:00Z`),
        422,
        "validation_failed",
        "to",
      );
      expectProblem(
        await api.get(`${costs}?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z`),
        422,
        "validation_failed",
        "to",
      );
      const billing = `/v1/projects/${project.id}/billing`;
      expectProblem(
        await api.put(`${billing}?dry_run=maybe`, { mode: "separate" }),
        422,
        "validation_failed",
        "dry_run",
      );
      const after = await api.get(billing);
      expect(after.body.mode).toBe("inherit");
      // A real (not dry) switch to separate would have made the project its own account.
      expect(await accountIds()).toEqual(accountsBefore);
    });
  });

  describe("resources", () => {
    it("an unknown resource type or sku is 422 naming the field, and the account's items are unchanged", async () => {
      const itemsBefore = await items();
      const before = await resourceIds();
      const unknownType = await api.post("/v1/resources", {
        project_id: project.id,
        resource_type: "quantum",
        sku: "standard",
        name: "q",
      });
      expectProblem(unknownType, 422, "unknown_resource_type", "resource_type");
      const unknownSku = await api.post("/v1/resources", {
        project_id: project.id,
        resource_type: "graph",
        sku: "platinum",
        name: "q",
      });
      expectProblem(unknownSku, 422, "unknown_sku", "sku");
      // The same contract on the price preview.
      expectProblem(
        await api.post("/v1/pricing/preview", {
          project_id: project.id,
          resource_type: "quantum",
          sku: "standard",
        }),
        422,
        "unknown_resource_type",
        "resource_type",
      );
      expectProblem(
        await api.post("/v1/pricing/preview", {
          project_id: project.id,
          resource_type: "graph",
          sku: "platinum",
        }),
        422,
        "unknown_sku",
        "sku",
      );
      expect(await items()).toEqual(itemsBefore);
      expect(await resourceIds()).toEqual(before);
    });

    it("both or neither of project_id and project is 422, and nothing is created", async () => {
      const before = await projectIds();
      const both = await api.post("/v1/resources", {
        project_id: project.id,
        project: { name: "inline", organization_id: organization.id },
        ...validResource,
      });
      expectProblem(both, 422, "validation_failed", "project_id");
      const neither = await api.post("/v1/resources", validResource);
      expectProblem(neither, 422, "validation_failed", "project_id");
      expect(await projectIds()).toEqual(before);
      expect(await resourceIds()).toHaveLength(1);
    });

    it("an Idempotency-Key over 255 characters is 422 and creates nothing; 255 is accepted", async () => {
      const itemsBefore = await items();
      const before = await resourceIds();
      const tooLong = await api.post(
        "/v1/resources",
        { project_id: project.id, ...validResource },
        { "idempotency-key": "k".repeat(256) },
      );
      expectProblem(tooLong, 422, "validation_failed", "Idempotency-Key");
      expect(await resourceIds()).toEqual(before);
      expect(await items()).toEqual(itemsBefore);

      const longest = await api.post(
        "/v1/resources",
        { project_id: project.id, ...validResource, name: "keyed" },
        { "idempotency-key": "k".repeat(255) },
      );
      expectStatus(longest, 201);
      expectStatus(await api.delete(`/v1/resources/${longest.body.id}`), 204);
    });

    it("a request that failed validation leaves no trace of its Idempotency-Key", async () => {
      const key = `retry-${Date.now()}`;
      const failed = await api.post(
        "/v1/resources",
        { project_id: project.id, resource_type: "graph", sku: "platinum", name: "k" },
        { "idempotency-key": key },
      );
      expectProblem(failed, 422, "unknown_sku", "sku");
      // The corrected retry with the same key is a fresh request, not a "key reused" error.
      const fixed = await api.post(
        "/v1/resources",
        { project_id: project.id, resource_type: "graph", sku: "standard", name: "k" },
        { "idempotency-key": key },
      );
      expectStatus(fixed, 201);
      const replay = await api.post(
        "/v1/resources",
        { project_id: project.id, resource_type: "graph", sku: "standard", name: "k" },
        { "idempotency-key": key },
      );
      expectStatus(replay, 201);
      expect(replay.body.id).toBe(fixed.body.id);
      const reused = await api.post(
        "/v1/resources",
        { project_id: project.id, resource_type: "graph", sku: "free", name: "other" },
        { "idempotency-key": key },
      );
      expectProblem(reused, 422, "idempotency_key_reused");
      const names = (await api.get(`/v1/projects/${project.id}/resources`)).body.data.map(
        (r: { name: string }) => r.name,
      );
      expect(names.filter((n: string) => n === "k")).toHaveLength(1);
      expect(names).not.toContain("other");
      expectStatus(await api.delete(`/v1/resources/${fixed.body.id}`), 204);
    });
  });

  describe("organization required", () => {
    it("POST /v1/projects without organization_id, for a user who has one, is 422 organization_required", async () => {
      const before = await projectIds();
      expectProblem(
        await api.post("/v1/projects", { name: "second" }),
        422,
        "organization_required",
        "organization_id",
      );
      expectProblem(
        await api.post("/v1/resources", { project: { name: "second" }, ...validResource }),
        422,
        "organization_required",
        "project.organization_id",
      );
      expect(await projectIds()).toEqual(before);
      const organizations = await api.get("/v1/organizations");
      expect(organizations.body.data).toHaveLength(1);
    });
  });

  describe("nothing half-written in the first-run flows", () => {
    it("Flow 2 with an unknown sku or type creates neither organization nor project", async () => {
      const user = await newcomer();
      expectProblem(
        await user.api.post("/v1/resources", {
          project: { name: "first" },
          resource_type: "graph",
          sku: "platinum",
          name: "g",
        }),
        422,
        "unknown_sku",
        "sku",
      );
      await user.expectNoOrganization();
      expectProblem(
        await user.api.post("/v1/resources", {
          project: { name: "first" },
          resource_type: "quantum",
          sku: "standard",
          name: "g",
        }),
        422,
        "unknown_resource_type",
        "resource_type",
      );
      await user.expectNoOrganization();
      const me = await user.api.get("/v1/me");
      expect(me.body.organizations).toEqual([]);
    });

    it("Flow 2 failing after the organization would be made (a foreign or missing account) rolls it all back", async () => {
      const user = await newcomer();
      const response = await user.api.post("/v1/resources", {
        project: {
          name: "first",
          billing: {
            mode: "separate",
            billing_account_id: organization.primary_billing_account_id,
          },
        },
        ...validResource,
      });
      expectProblem(response, 404, "not_found", "project.billing.billing_account_id");
      await user.expectNoOrganization();
      const missing = await user.api.post("/v1/resources", {
        project: { name: "first", billing: { mode: "separate", billing_account_id: "ba_missing" } },
        ...validResource,
      });
      expectProblem(missing, 404, "not_found", "project.billing.billing_account_id");
      await user.expectNoOrganization();
      // The baseline organization's account gained no project.
      const account = await api.get(
        `/v1/billing-accounts/${organization.primary_billing_account_id}`,
      );
      expect(account.body.projects.map((p: { id: string }) => p.id)).toEqual([project.id]);
    });

    it("Flow 1 with a bad body or a foreign account creates no organization", async () => {
      const user = await newcomer();
      const cases: Array<[unknown, number, string, string]> = [
        [{ name: "" }, 422, "validation_failed", "name"],
        [{ name: "x".repeat(201) }, 422, "validation_failed", "name"],
        [{ name: "ok", colour: "red" }, 422, "validation_failed", "colour"],
        [
          { name: "ok", billing: { mode: "separate", billing_account_id: "ba_missing" } },
          404,
          "not_found",
          "billing.billing_account_id",
        ],
        [
          {
            name: "ok",
            billing: {
              mode: "separate",
              billing_account_id: organization.primary_billing_account_id,
            },
          },
          404,
          "not_found",
          "billing.billing_account_id",
        ],
      ];
      for (const [body, status, code, field] of cases) {
        expectProblem(await user.api.post("/v1/projects", body), status, code, field);
        await user.expectNoOrganization();
      }
      // And then the first valid request succeeds, making exactly one organization.
      const created = await user.api.post("/v1/projects", { name: "ok" });
      expectStatus(created, 201);
      const organizations = await user.api.get("/v1/organizations");
      expect(organizations.body.data).toHaveLength(1);
      expect(organizations.body.data[0].id).toBe(created.body.organization_id);
    });

    it("Flow 2 succeeds after its failures, with one organization, one project, one resource", async () => {
      const user = await newcomer();
      expectProblem(
        await user.api.post("/v1/resources", {
          project: { name: "first" },
          resource_type: "graph",
          sku: "platinum",
          name: "g",
        }),
        422,
        "unknown_sku",
      );
      const created = await user.api.post("/v1/resources", {
        project: { name: "first" },
        ...validResource,
      });
      expectStatus(created, 201);
      const organizations = await user.api.get("/v1/organizations");
      expect(organizations.body.data).toHaveLength(1);
      const projects = await user.api.get(
        `/v1/organizations/${organizations.body.data[0].id}/projects`,
      );
      expect(projects.body.data.map((p: { id: string }) => p.id)).toEqual([
        created.body.project_id,
      ]);
      const account = await user.api.get(
        `/v1/billing-accounts/${organizations.body.data[0].primary_billing_account_id}`,
      );
      expect(
        account.body.items.map((i: { resource_type: string; sku: string; quantity: number }) => [
          i.resource_type,
          i.sku,
          i.quantity,
        ]),
      ).toEqual([["graph", "standard", 1]]);
    });
  });

  describe("odd paths and ids", () => {
    it("unknown routes and methods are 404 problems", async () => {
      for (const [method, path] of [
        ["GET", "/v1/nope"],
        ["GET", "/v1/projects"],
        ["POST", "/v1/projects/x/explode"],
        ["PATCH", `/v1/projects/${project.id}/billing`],
        ["DELETE", "/v1/organizations"],
      ] as const) {
        const response = await api.send(
          method,
          path,
          method === "GET" ? (undefined as unknown as string) : "{}",
        );
        expectProblem(response, 404, "not_found");
      }
    });

    it("ids that do not exist, are long, or hold odd characters are 404, never 500", async () => {
      for (const id of [
        "prj_doesnotexist",
        "x".repeat(100),
        "%27%3B%20DROP%20TABLE%20projects%3B--",
        "%E2%9C%93",
        "..%2F..%2Fetc",
      ]) {
        expectProblem(await api.get(`/v1/projects/${id}`), 404, "not_found");
        expectProblem(await api.get(`/v1/resources/${id}`), 404, "not_found");
        expectProblem(await api.get(`/v1/billing-accounts/${id}`), 404, "not_found");
        expectProblem(await api.get(`/v1/organizations/${id}`), 404, "not_found");
        expectProblem(await api.delete(`/v1/resources/${id}`), 404, "not_found");
      }
      expect(await projectIds()).toEqual([project.id]);
    });

    it("ids in the body that do not exist are 404 and create nothing", async () => {
      expectProblem(
        await api.post("/v1/resources", { project_id: "prj_missing", ...validResource }),
        404,
        "not_found",
      );
      expectProblem(
        await api.post("/v1/projects", { name: "x", organization_id: "org_missing" }),
        404,
        "not_found",
      );
      expectProblem(
        await api.put(`/v1/projects/${project.id}/billing`, {
          mode: "separate",
          billing_account_id: "ba_missing",
        }),
        404,
        "not_found",
        "billing_account_id",
      );
      expect(await projectIds()).toEqual([project.id]);
      expect((await api.get(`/v1/projects/${project.id}/billing`)).body.mode).toBe("inherit");
    });

    it("text with a NUL character is refused (422 naming the field) or stored, never a 500", async () => {
      const cases: Array<[ApiClient, string, unknown, string]> = [
        [api, "/v1/organizations", { name: "nul\u0000byte" }, "name"],
        [api, "/v1/projects", { name: "nul\u0000byte", organization_id: organization.id }, "name"],
        [api, "/v1/projects", { name: "x", organization_id: "org\u0000" }, "organization_id"],
        [
          api,
          "/v1/resources",
          { project_id: project.id, ...validResource, name: "g\u0000" },
          "name",
        ],
        [api, "/v1/resources", { project_id: "prj\u0000", ...validResource }, "project_id"],
        [
          app.client(),
          "/v1/auth/signup",
          { email: "nul@example.com", password: "correct horse battery", name: "nul\u0000" },
          "name",
        ],
        [
          app.client(),
          "/v1/auth/login",
          { email: "nul\u0000@example.com", password: "correct horse battery" },
          "email",
        ],
      ];
      const failures: string[] = [];
      for (const [client, path, body, field] of cases) {
        const response = await client.post(path, body);
        const acceptable =
          response.status < 300 ||
          (response.status === 401 && path === "/v1/auth/login") ||
          (response.status === 422 && response.body.field === field);
        if (!acceptable)
          failures.push(`POST ${path} ${field}: ${response.status} ${response.body?.code}`);
      }
      for (const path of [
        "/v1/projects/%00",
        "/v1/resources/%00",
        "/v1/organizations/%00",
        "/v1/billing-accounts/%00",
      ]) {
        const response = await api.get(path);
        if (response.status !== 404)
          failures.push(`GET ${path}: ${response.status} ${response.body?.code}`);
      }
      const deleted = await api.delete("/v1/resources/%00");
      if (deleted.status !== 404) failures.push(`DELETE /v1/resources/%00: ${deleted.status}`);
      expect(failures).toEqual([]);
      expect(await projectIds()).toEqual([project.id]);
    });

    it("a path id over Fastify's 100-character limit, or a broken %-escape, still answers a problem", async () => {
      for (const path of [
        `/v1/projects/${"x".repeat(101)}`,
        "/v1/projects/%ZZ",
        "/v1/resources/%C0%AF",
      ]) {
        const response = await api.get(path);
        expect(response.status, path).toBeLessThan(500);
        expect(
          response.headers.get("content-type"),
          `${path} ${JSON.stringify(response.body)}`,
        ).toMatch(/^application\/problem\+json/);
        expect(response.body).toMatchObject({ status: response.status });
        expect(typeof response.body.code).toBe("string");
        expect(typeof response.body.detail).toBe("string");
      }
    });
  });
});
