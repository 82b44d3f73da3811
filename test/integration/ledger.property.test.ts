import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiClient } from "../support/test-app.js";
import { startTestApp, type TestApp } from "../support/test-app.js";
import { testDatabaseAvailable } from "../support/test-database.js";

const prices = [
  ["graph", "standard"],
  ["graph", "free"],
  ["storage", "standard"],
  ["storage", "archive"],
  ["flow", "standard"],
] as const;

type Command =
  | { kind: "create"; project: number; price: number }
  | { kind: "delete"; resource: number }
  | { kind: "switch"; project: number; to: "inherit" | "separate" | "department" }
  | { kind: "deleteProject"; project: number }
  | { kind: "wait"; seconds: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("create" as const),
      project: fc.nat(2),
      price: fc.nat(prices.length - 1),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("delete" as const), resource: fc.nat(40) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("switch" as const),
      project: fc.nat(2),
      to: fc.constantFrom("inherit" as const, "separate" as const, "department" as const),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("deleteProject" as const), project: fc.nat(2) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("wait" as const),
      seconds: fc.integer({ min: 1, max: 400_000 }),
    }),
  },
);

interface Model {
  projects: ({ id: string; accountId: string } | null)[];
  resources: { id: string; project: number; price: number; alive: boolean }[];
}

describe.skipIf(!testDatabaseAvailable)("the ledger under any sequence of changes", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ at: "2026-11-01T00:00:00Z" });
  });
  afterAll(async () => {
    await app?.close();
  });

  it("keeps every account's quantities equal to its active resources, and project costs summing to the total", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 18 }), async (commands) => {
        app.clock.set("2026-11-01T00:00:00Z");
        const { api } = await app.signUp();
        const first = (await api.post("/v1/projects", { name: "p0" })).body;
        const organizationId: string = first.organization_id;
        const primaryId: string = first.billing.billing_account_id;
        const department = (
          await api.post(`/v1/organizations/${organizationId}/billing-accounts`, { name: "Dept" })
        ).body.id;
        const model: Model = { projects: [{ id: first.id, accountId: primaryId }], resources: [] };
        for (const name of ["p1", "p2"]) {
          const p = (await api.post("/v1/projects", { name, organization_id: organizationId }))
            .body;
          model.projects.push({ id: p.id, accountId: primaryId });
        }
        for (const c of commands) await apply({ api, model, command: c, primaryId, department });
        await checkInvariants({ api, model, organizationId });
      }),
      {
        numRuns: 12,
        // Found by CI: four waits adding up to 14 days, the session's idle limit.
        examples: [
          [
            [292_953, 363_029, 298_998, 254_620].map((seconds) => ({
              kind: "wait" as const,
              seconds,
            })),
          ],
        ],
      },
    );
  });

  async function apply(options: {
    api: ApiClient;
    model: Model;
    command: Command;
    primaryId: string;
    department: string;
  }) {
    const { api, model, command: c } = options;
    if (c.kind === "wait") {
      app.clock.advance({ seconds: c.seconds });
      // The user comes back after each wait: a session ends after 14 idle days, and a run of waits
      // without a request in between would otherwise log the test out.
      expect((await api.get("/v1/me")).status).toBe(200);
      return;
    }
    if (c.kind === "create") {
      const project = model.projects[c.project];
      if (!project) return;
      const [resource_type, sku] = prices[c.price] ?? prices[0];
      const created = await api.post("/v1/resources", {
        project_id: project.id,
        resource_type,
        sku,
        name: `r${model.resources.length}`,
      });
      expect(created.status).toBe(201);
      expect(created.body.billing.billing_account_id).toBe(project.accountId);
      model.resources.push({
        id: created.body.id,
        project: c.project,
        price: c.price,
        alive: true,
      });
      return;
    }
    if (c.kind === "delete") {
      const resource = model.resources[c.resource % Math.max(model.resources.length, 1)];
      if (!resource) return;
      const response = await api.delete(`/v1/resources/${resource.id}`);
      expect(response.status).toBe(resource.alive ? 204 : 404);
      resource.alive = false;
      return;
    }
    const project = model.projects[c.project];
    if (!project) return;
    if (c.kind === "deleteProject") {
      expect((await api.delete(`/v1/projects/${project.id}`)).status).toBe(204);
      model.projects[c.project] = null;
      for (const r of model.resources) if (r.project === c.project) r.alive = false;
      return;
    }
    const body =
      c.to === "inherit"
        ? { mode: "inherit" }
        : c.to === "separate"
          ? { mode: "separate" }
          : { mode: "separate", billing_account_id: options.department };
    const switched = await api.put(`/v1/projects/${project.id}/billing`, body);
    expect(switched.status).toBe(200);
    project.accountId = switched.body.billing_account_id;
  }

  async function checkInvariants(options: {
    api: ApiClient;
    model: Model;
    organizationId: string;
  }) {
    const { api, model, organizationId } = options;
    const listed = await api.get(`/v1/organizations/${organizationId}/billing-accounts`);
    expect(listed.status).toBe(200);
    const accounts = listed.body.data;
    for (const account of accounts) {
      const expected = new Map<string, number>();
      for (const r of model.resources) {
        if (!r.alive || model.projects[r.project]?.accountId !== account.id) continue;
        const key = (prices[r.price] ?? prices[0]).join("/");
        expected.set(key, (expected.get(key) ?? 0) + 1);
      }
      const actual = new Map<string, number>(
        account.items.map((i: { resource_type: string; sku: string; quantity: number }) => [
          `${i.resource_type}/${i.sku}`,
          i.quantity,
        ]),
      );
      expect(actual).toEqual(expected);
    }
    const costs = (await api.get(`/v1/organizations/${organizationId}/costs?group_by=project`))
      .body;
    expect(costs.groups.reduce((t: number, g: { amount: number }) => t + g.amount, 0)).toBe(
      costs.total,
    );
    expect(
      costs.groups.reduce(
        (t: number, g: { projected_amount: number }) => t + g.projected_amount,
        0,
      ),
    ).toBe(costs.projected_total);
    const byAccount = (
      await api.get(`/v1/organizations/${organizationId}/costs?group_by=billing_account`)
    ).body;
    let charged = 0;
    for (const account of accounts) {
      const charges = (await api.get(`/v1/billing-accounts/${account.id}/charges`)).body.total;
      const group = byAccount.groups.find((g: { key: string }) => g.key === account.id);
      expect(group?.amount ?? 0).toBe(charges);
      charged += charges;
    }
    expect(charged).toBe(costs.total);
  }
});
