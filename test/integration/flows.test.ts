import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../support/test-app.js";
import { testDatabaseAvailable } from "../support/test-database.js";

// November 2026 has 30 days; the test clock starts on the 10th at midnight UTC, 21 days before
// the period ends. graph/standard is 9900 a month per unit in the default catalog.
const NOV_10 = "2026-11-10T00:00:00Z";

describe.skipIf(!testDatabaseAvailable)("billing flows through the HTTP API", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ at: NOV_10 });
  });
  afterAll(async () => {
    await app?.close();
  });

  it("Flow 1: a first project creates the organization and its billing account, and inherits it", async () => {
    app.clock.set(NOV_10);
    const { api } = await app.signUp({ name: "Grace" });
    const created = await api.post("/v1/projects", { name: "Website" });
    expect(created.status).toBe(201);
    expect(created.body.billing).toMatchObject({ mode: "inherit", inherited: true });
    expect(created.body.billing.billing_account).toMatchObject({
      name: "Grace",
      scope: "organization",
    });

    const organizations = await api.get("/v1/organizations");
    expect(organizations.body.data).toHaveLength(1);
    const organization = organizations.body.data[0];
    expect(organization).toMatchObject({
      id: created.body.organization_id,
      role: "owner",
      currency: "usd",
    });
    expect(created.body.billing.billing_account_id).toBe(organization.primary_billing_account_id);

    // With an organization now, the caller must say which one.
    const second = await api.post("/v1/projects", { name: "Blog" });
    expect(second.status).toBe(422);
    expect(second.body).toMatchObject({ code: "organization_required", field: "organization_id" });
    const named = await api.post("/v1/projects", {
      name: "Blog",
      organization_id: organization.id,
    });
    expect(named.status).toBe(201);
    const billing = await api.get(`/v1/projects/${named.body.id}/billing`);
    expect(billing.body).toMatchObject({
      mode: "inherit",
      inherited: true,
      billing_account_id: organization.primary_billing_account_id,
      can_manage_billing: true,
      can_manage_organization_billing: true,
    });
    expect(billing.body.managed_by.map((m: { role: string }) => m.role)).toEqual(["owner"]);
  });

  it("Flow 2: a resource with an inline project creates project and organization in one call, billed at once", async () => {
    app.clock.set(NOV_10);
    const { api } = await app.signUp({ name: "Linus" });
    const created = await api.post("/v1/resources", {
      project: { name: "Kernel" },
      resource_type: "graph",
      sku: "standard",
      name: "graph-1",
    });
    expect(created.status).toBe(201);
    expect(created.body.billing).toMatchObject({ mode: "inherit", inherited: true });
    const account = await api.get(
      `/v1/billing-accounts/${created.body.billing.billing_account_id}`,
    );
    expect(account.body.items).toEqual([
      {
        resource_type: "graph",
        sku: "standard",
        price_version: 1,
        quantity: 1,
        unit_amount: 9900,
        usage_quantity: null,
        amount: 9900,
      },
    ]);
    expect(account.body.projects).toEqual([{ id: created.body.project_id, name: "Kernel" }]);
    const listed = await api.get(`/v1/projects/${created.body.project_id}/resources`);
    expect(listed.body.data.map((r: { id: string }) => r.id)).toEqual([created.body.id]);

    // The same inline form for a caller who has an organization must name it.
    const again = await api.post("/v1/resources", {
      project: { name: "Second" },
      resource_type: "graph",
      sku: "free",
      name: "g",
    });
    expect(again.status).toBe(422);
    expect(again.body).toMatchObject({
      code: "organization_required",
      field: "project.organization_id",
    });
  });

  it("Flow 3: separate billing gives the project its own account; the organization's is untouched", async () => {
    app.clock.set(NOV_10);
    const { api } = await app.signUp({ name: "Barbara" });
    const inherited = await api.post("/v1/projects", { name: "Shared" });
    const organizationId = inherited.body.organization_id;
    const primaryId = inherited.body.billing.billing_account_id;
    const separate = await api.post("/v1/projects", {
      name: "Research",
      organization_id: organizationId,
      billing: { mode: "separate" },
    });
    expect(separate.status).toBe(201);
    expect(separate.body.billing).toMatchObject({ mode: "separate", inherited: false });
    expect(separate.body.billing.billing_account).toMatchObject({
      name: "Research",
      scope: "project",
      status: "active",
    });
    const ownId = separate.body.billing.billing_account_id;
    expect(ownId).not.toBe(primaryId);

    await api.post("/v1/resources", {
      project_id: separate.body.id,
      resource_type: "graph",
      sku: "standard",
      name: "r1",
    });
    await api.post("/v1/resources", {
      project_id: separate.body.id,
      resource_type: "graph",
      sku: "standard",
      name: "r2",
    });
    await api.post("/v1/resources", {
      project_id: inherited.body.id,
      resource_type: "flow",
      sku: "standard",
      name: "f1",
    });

    const own = await api.get(`/v1/billing-accounts/${ownId}`);
    expect(own.body.items).toEqual([
      {
        resource_type: "graph",
        sku: "standard",
        price_version: 1,
        quantity: 2,
        unit_amount: 9900,
        usage_quantity: null,
        amount: 19800,
      },
    ]);
    const primary = await api.get(`/v1/billing-accounts/${primaryId}`);
    expect(primary.body.items).toEqual([
      {
        resource_type: "flow",
        sku: "standard",
        price_version: 1,
        quantity: 1,
        unit_amount: 4900,
        usage_quantity: null,
        amount: 4900,
      },
    ]);

    // A department account, and a project pinned to it.
    const department = await api.post(`/v1/organizations/${organizationId}/billing-accounts`, {
      name: "Marketing",
    });
    expect(department.status).toBe(201);
    expect(department.body).toMatchObject({
      scope: "organization",
      currency: "usd",
      status: "active",
      items: [],
    });
    const pinned = await api.post("/v1/projects", {
      name: "Campaigns",
      organization_id: organizationId,
      billing: { mode: "separate", billing_account_id: department.body.id },
    });
    expect(pinned.body.billing).toMatchObject({
      mode: "separate",
      billing_account_id: department.body.id,
    });
    const accounts = await api.get(`/v1/organizations/${organizationId}/billing-accounts`);
    expect(accounts.body.data.map((a: { name: string }) => a.name).sort()).toEqual([
      "Barbara",
      "Marketing",
      "Research",
    ]);
  });

  it("shows the price and the payer before creation, prorated to the end of the period", async () => {
    app.clock.set(NOV_10);
    const { api } = await app.signUp({ name: "Ken" });
    // No organization yet: the one created with the project would pay.
    const first = await api.post("/v1/pricing/preview", {
      resource_type: "graph",
      sku: "standard",
    });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      billing_account_id: null,
      billing_account: { name: "Ken", scope: "organization" },
      currency: "usd",
      billing_model: "per_unit",
      monthly_amount: 9900,
      prorated_amount: 6930, // 21 of 30 days left
      period_end: "2026-12-01T00:00:00.000Z",
    });
    const project = await api.post("/v1/projects", { name: "Unix" });
    const preview = await api.post("/v1/pricing/preview", {
      project_id: project.body.id,
      resource_type: "graph",
      sku: "standard",
    });
    expect(preview.body).toMatchObject({
      billing_account_id: project.body.billing.billing_account_id,
      monthly_amount: 9900,
      prorated_amount: 6930,
    });

    // Volume tiers: the sixth storage bucket drops all six to 1500 — the period amount shrinks.
    for (let i = 0; i < 5; i++) {
      await api.post("/v1/resources", {
        project_id: project.body.id,
        resource_type: "storage",
        sku: "standard",
        name: `b${i}`,
      });
    }
    const tiered = await api.post("/v1/pricing/preview", {
      project_id: project.body.id,
      resource_type: "storage",
      sku: "standard",
    });
    expect(tiered.body).toMatchObject({
      billing_model: "tiered",
      monthly_amount: 6 * 1500 - 5 * 2000,
    });
    const free = await api.post("/v1/pricing/preview", {
      project_id: project.body.id,
      resource_type: "graph",
      sku: "free",
    });
    expect(free.body).toMatchObject({ monthly_amount: 0, prorated_amount: 0 });
  });

  it("switching billing moves every resource at one instant: no second billed twice or not at all", async () => {
    app.clock.set(NOV_10);
    const { api } = await app.signUp({ name: "Margaret" });
    const project = await api.post("/v1/projects", { name: "Apollo" });
    const organizationId = project.body.organization_id;
    const primaryId = project.body.billing.billing_account_id;
    const a = await api.post("/v1/resources", {
      project_id: project.body.id,
      resource_type: "graph",
      sku: "standard",
      name: "a",
    });
    await api.post("/v1/resources", {
      project_id: project.body.id,
      resource_type: "graph",
      sku: "standard",
      name: "b",
    });

    app.clock.advance({ days: 5 });
    const preview = await api.put(`/v1/projects/${project.body.id}/billing?dry_run=true`, {
      mode: "separate",
    });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({
      dry_run: true,
      billing_account_id: null,
      from: { billing_account_id: primaryId },
    });
    expect(preview.body.moved).toEqual({ resources: 2 });
    expect((await api.get(`/v1/projects/${project.body.id}/billing`)).body.mode).toBe("inherit");

    const switched = await api.put(`/v1/projects/${project.body.id}/billing`, { mode: "separate" });
    expect(switched.status).toBe(200);
    expect(switched.body).toMatchObject({
      mode: "separate",
      inherited: false,
      dry_run: false,
      effective_at: "2026-11-15T00:00:00.000Z",
    });
    const ownId = switched.body.billing_account_id;
    expect((await api.get(`/v1/billing-accounts/${ownId}`)).body.items[0]).toMatchObject({
      quantity: 2,
    });
    expect((await api.get(`/v1/billing-accounts/${primaryId}`)).body.items).toEqual([]);
    expect((await api.get(`/v1/resources/${a.body.id}`)).body.billing.billing_account_id).toBe(
      ownId,
    );

    // Back to inherit five days later; `separate` again reuses the project's own account.
    app.clock.advance({ days: 5 });
    expect(
      (await api.put(`/v1/projects/${project.body.id}/billing`, { mode: "inherit" })).body
        .billing_account_id,
    ).toBe(primaryId);
    app.clock.advance({ days: 5 });
    expect(
      (await api.put(`/v1/projects/${project.body.id}/billing`, { mode: "separate" })).body
        .billing_account_id,
    ).toBe(ownId);

    // Nov 25: each resource ran 15 days: 5 on primary, 5 on own, 5 on primary, and now own.
    const costs = await api.get(
      `/v1/organizations/${organizationId}/costs?group_by=billing_account`,
    );
    expect(costs.status).toBe(200);
    const byAccount = Object.fromEntries(
      costs.body.groups.map((g: { key: string; amount: number }) => [g.key, g.amount]),
    );
    expect(byAccount[primaryId]).toBe(2 * 9900 * (10 / 30)); // 6600
    expect(byAccount[ownId]).toBe(2 * 9900 * (5 / 30)); // 3300
    expect(costs.body.total).toBe(2 * 9900 * (15 / 30));
    expect(costs.body.projected_total).toBe(2 * 9900 * (21 / 30)); // from the 10th to the end of November

    const audit = await api.get(`/v1/organizations/${organizationId}/audit`);
    const switches = audit.body.data.filter(
      (e: { action: string }) => e.action === "project.billing_switched",
    );
    expect(switches).toHaveLength(3);
    expect(switches[0]).toMatchObject({
      before: { mode: "inherit", billing_account_id: primaryId },
      after: { mode: "separate", billing_account_id: ownId },
    });
  });

  it("deleting one resource stops billing it alone; deleting a project stops all of its resources", async () => {
    app.clock.set(NOV_10);
    const { api } = await app.signUp({ name: "Dennis" });
    const project = await api.post("/v1/projects", { name: "C" });
    const accountId = project.body.billing.billing_account_id;
    const ids: string[] = [];
    for (const name of ["x", "y", "z"]) {
      ids.push(
        (
          await api.post("/v1/resources", {
            project_id: project.body.id,
            resource_type: "graph",
            sku: "standard",
            name,
          })
        ).body.id,
      );
    }
    app.clock.advance({ days: 3 });
    expect((await api.delete(`/v1/resources/${ids[0]}`)).status).toBe(204);
    expect((await api.get(`/v1/resources/${ids[0]}`)).status).toBe(404);
    expect((await api.get(`/v1/billing-accounts/${accountId}`)).body.items[0]).toMatchObject({
      quantity: 2,
      amount: 19800,
    });
    expect((await api.get(`/v1/projects/${project.body.id}/resources`)).body.data).toHaveLength(2);

    app.clock.advance({ days: 3 });
    expect((await api.delete(`/v1/projects/${project.body.id}`)).status).toBe(204);
    expect((await api.get(`/v1/projects/${project.body.id}`)).status).toBe(404);
    expect((await api.get(`/v1/billing-accounts/${accountId}`)).body.items).toEqual([]);
    // 3 days for x, 6 days each for y and z, and nothing after: accrued = projected.
    const costs = await api.get(
      `/v1/organizations/${project.body.organization_id}/costs?group_by=resource`,
    );
    expect(costs.body.total).toBe((9900 * (3 + 6 + 6)) / 30);
    expect(costs.body.projected_total).toBe(costs.body.total);
    expect(
      costs.body.groups.map((g: { name: string; amount: number }) => [g.name, g.amount]).sort(),
    ).toEqual([
      ["x", 990],
      ["y", 1980],
      ["z", 1980],
    ]);
    // Past costs keep their labels: each resource names its (deleted) project and says deleted.
    for (const g of costs.body.groups)
      expect(g).toMatchObject({
        project_id: project.body.id,
        project_name: project.body.name,
        deleted: true,
      });
    const byProject = await api.get(
      `/v1/organizations/${project.body.organization_id}/costs?group_by=project`,
    );
    expect(byProject.body.groups).toEqual([
      expect.objectContaining({ key: project.body.id, deleted: true }),
    ]);
  });

  it("breaks costs out per project under inherited billing; groups add up to the invoice", async () => {
    app.clock.set(NOV_10);
    const { api } = await app.signUp({ name: "Frances" });
    const p1 = await api.post("/v1/projects", { name: "One" });
    const organizationId = p1.body.organization_id;
    const p2 = await api.post("/v1/projects", { name: "Two", organization_id: organizationId });
    const p3 = await api.post("/v1/projects", {
      name: "Three",
      organization_id: organizationId,
      billing: { mode: "separate" },
    });
    for (const [project, type, sku] of [
      [p1, "graph", "standard"],
      [p2, "graph", "standard"],
      [p2, "storage", "standard"],
      [p2, "storage", "archive"],
      [p3, "flow", "standard"],
      [p1, "graph", "free"],
    ] as const) {
      await api.post("/v1/resources", {
        project_id: project.body.id,
        resource_type: type,
        sku,
        name: `${type}-${sku}`,
      });
      app.clock.advance({ seconds: 3607 }); // odd durations, so that rounding matters
    }
    app.clock.advance({ days: 2 });
    const byProject = await api.get(`/v1/organizations/${organizationId}/costs?group_by=project`);
    const sum = (
      groups: { amount: number; projected_amount: number }[],
      field: "amount" | "projected_amount",
    ) => groups.reduce((total, g) => total + g[field], 0);
    expect(byProject.body.groups.map((g: { name: string }) => g.name).sort()).toEqual([
      "One",
      "Three",
      "Two",
    ]);
    expect(sum(byProject.body.groups, "amount")).toBe(byProject.body.total);
    expect(sum(byProject.body.groups, "projected_amount")).toBe(byProject.body.projected_total);
    for (const groupBy of ["resource_type", "resource", "billing_account"]) {
      const other = await api.get(`/v1/organizations/${organizationId}/costs?group_by=${groupBy}`);
      expect(other.body.total).toBe(byProject.body.total);
      expect(sum(other.body.groups, "amount")).toBe(other.body.total);
      expect(sum(other.body.groups, "projected_amount")).toBe(other.body.projected_total);
    }

    // The upcoming invoices of all accounts add up to the projected total of the period.
    const accounts = (await api.get(`/v1/organizations/${organizationId}/billing-accounts`)).body
      .data;
    let invoiced = 0;
    let charged = 0;
    for (const account of accounts) {
      const invoice = await api.get(`/v1/billing-accounts/${account.id}/upcoming-invoice`);
      expect(invoice.body.total).toBe(
        invoice.body.lines.reduce((t: number, l: { amount: number }) => t + l.amount, 0),
      );
      invoiced += invoice.body.total;
      charged += (await api.get(`/v1/billing-accounts/${account.id}/charges`)).body.total;
    }
    expect(invoiced).toBe(byProject.body.projected_total);
    expect(charged).toBe(byProject.body.total);
    expect(invoiced).toBeGreaterThan(charged);
  });

  it("publishes the catalog, an OpenAPI document and a health check", async () => {
    const { api } = await app.signUp();
    const types = await api.get("/v1/resource-types");
    expect(types.body.data.map((t: { type: string }) => t.type)).toEqual([
      "graph",
      "flow",
      "storage",
    ]);
    expect(types.body.data[0].skus[1]).toMatchObject({
      sku: "standard",
      billing_model: "per_unit",
      unit_amount: 9900,
      currency: "usd",
    });
    const openapi = await app.client().get("/openapi.json");
    expect(openapi.body.openapi).toBe("3.1.0");
    expect(
      openapi.body.paths["/v1/resources"].post.requestBody.content["application/json"].schema
        .required,
    ).toEqual(expect.arrayContaining(["resource_type", "sku", "name"]));
    expect((await app.client().get("/healthz")).status).toBe(200);
  });
});
