import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inviteAndAccept } from "../support/invite.js";
import { statementCounter } from "../support/statement-counter.js";
import type { ApiClient, ApiResponse } from "../support/test-app.js";
import { startTestApp, type TestApp } from "../support/test-app.js";
import { testDatabaseAvailable } from "../support/test-database.js";

const graph = (projectId: string, name: string) => ({
  project_id: projectId,
  resource_type: "graph",
  sku: "standard",
  name,
});

/** Every item of a list, walked page by page with `limit`. */
async function walk(api: ApiClient, path: string, limit: number) {
  const items: { id?: string; user_id?: string }[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const separator = path.includes("?") ? "&" : "?";
    const page: ApiResponse = await api.get(
      `${path}${separator}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    );
    expect(page.status).toBe(200);
    expect(page.body.data.length).toBeLessThanOrEqual(limit);
    items.push(...page.body.data);
    cursor = page.body.next_cursor;
    pages += 1;
  } while (cursor !== null && pages < 100);
  return { items, pages };
}

const key = (item: { id?: string; user_id?: string }) => item.id ?? item.user_id;

describe.skipIf(!testDatabaseAvailable)("lists: pages, cost per page", () => {
  const counter = statementCounter();
  let app: TestApp;
  let owner: { api: ApiClient };
  // `small` holds one of everything; `large` fifty.
  const small = { org: "", project: "" };
  const large = { org: "", project: "" };

  beforeAll(async () => {
    app = await startTestApp({ wrapDatabase: counter.wrap });
    owner = await app.signUp();
    for (const org of [small, large]) {
      org.org = (await owner.api.post("/v1/organizations", { name: "Org" })).body.id;
      org.project = (
        await owner.api.post("/v1/projects", { name: "p0", organization_id: org.org })
      ).body.id;
      await owner.api.post("/v1/resources", graph(org.project, "r0"));
    }
    for (let i = 1; i < 50; i++) {
      const account = await owner.api.post(`/v1/organizations/${large.org}/billing-accounts`, {
        name: `Dept ${i}`,
      });
      // Each account pays for a project of its own: describing a page reads all of them at once.
      await owner.api.post("/v1/projects", {
        name: `p${i}`,
        organization_id: large.org,
        billing: { mode: "separate", billing_account_id: account.body.id },
      });
      await owner.api.post("/v1/resources", graph(large.project, `r${i}`));
    }
    // Forty-nine more people in the large organization, written directly: only the list is tested.
    // Times in milliseconds, as the application writes them (a cursor carries milliseconds).
    await app.ctx.db.query(
      `INSERT INTO ktrlplane.users (id, email, name, password_hash, created_at)
       SELECT 'usr_many' || i, 'many' || i || '@example.com', 'Many ' || i, '!', date_trunc('milliseconds', now())
       FROM generate_series(1, 49) AS i`,
    );
    await app.ctx.db.query(
      `INSERT INTO ktrlplane.memberships (user_id, organization_id, project_id, role, created_at)
       SELECT 'usr_many' || i, $1, NULL, 'viewer', date_trunc('milliseconds', now()) FROM generate_series(1, 49) AS i`,
      [large.org],
    );
  }, 240_000);
  afterAll(async () => {
    await app?.close();
  });

  const lists = (org: { org: string; project: string }) => [
    `/v1/organizations/${org.org}/projects`,
    `/v1/organizations/${org.org}/billing-accounts`,
    `/v1/organizations/${org.org}/members`,
    `/v1/projects/${org.project}/resources`,
  ];

  it("walking every list by small pages returns each item once, in the order of one large page", async () => {
    for (const path of [...lists(large), "/v1/organizations"]) {
      const whole = await owner.api.get(`${path}?limit=200`);
      expect(whole.body.next_cursor).toBeNull();
      const { items, pages } = await walk(owner.api, path, 7);
      expect(items.map(key)).toEqual(whole.body.data.map(key));
      expect(new Set(items.map(key)).size).toBe(items.length);
      expect(pages).toBe(Math.max(1, Math.ceil(items.length / 7)));
    }
    expect(
      (await owner.api.get(`/v1/organizations/${large.org}/projects?limit=200`)).body.data,
    ).toHaveLength(50);
    expect((await owner.api.get(`/v1/projects/${large.project}/resources`)).body.data).toHaveLength(
      50,
    );
  });

  it("a page holds 50 by default and at most 200; a malformed cursor is a 422 naming it", async () => {
    const resources = await owner.api.get(`/v1/projects/${large.project}/resources`);
    expect(resources.body.data).toHaveLength(50);
    expect(resources.body.next_cursor).toBeNull();
    const first = await owner.api.get(`/v1/projects/${large.project}/resources?limit=49`);
    expect(first.body.next_cursor).toEqual(expect.any(String));

    for (const cursor of [
      "not-a-cursor",
      "W10",
      Buffer.from('["yesterday","x"]').toString("base64url"),
    ]) {
      const refused = await owner.api.get(
        `/v1/organizations/${large.org}/projects?cursor=${cursor}`,
      );
      expect(refused.status).toBe(422);
      expect(refused.body).toMatchObject({ code: "validation_failed", field: "cursor" });
    }
    const tooMany = await owner.api.get(`/v1/organizations/${large.org}/projects?limit=201`);
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.field).toBe("limit");
  });

  it("a page of 50 costs the statements of a page of 1, on every list", async () => {
    for (const [one, fifty] of lists(small).map((path, i) => [path, lists(large)[i] as string])) {
      const few = await counter.statementsOf(() => owner.api.get(one as string));
      const many = await counter.statementsOf(() => owner.api.get(fifty as string));
      expect({ path: fifty, statements: many }).toEqual({ path: fifty, statements: few });
    }
  });

  it("creating a project costs the same in an organization of 1 account as in one of 50", async () => {
    const statements = async (organization_id: string) =>
      counter.statementsOf(() =>
        owner.api.post("/v1/projects", { name: "Another", organization_id }),
      );
    expect(await statements(large.org)).toBe(await statements(small.org));
  });

  it("a resource create costs 3 statements and a delete 2: the session is read by the first", async () => {
    // This caller's token is known to the process by now: its session is read by the project's
    // read (project, roles, paying account, session), then the insert and the quota count.
    let id = "";
    const create = await counter.statementsOf(async () => {
      const made = await owner.api.post("/v1/resources", graph(small.project, "counted"));
      expect(made.status).toBe(201);
      id = made.body.id;
    });
    const remove = await counter.statementsOf(async () => {
      expect((await owner.api.delete(`/v1/resources/${id}`)).status).toBe(204);
    });
    expect({ create, remove }).toEqual({ create: 3, remove: 2 });
  });
});

describe.skipIf(!testDatabaseAvailable)("quotas", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      env: {
        KTRLPLANE_QUOTA_RESOURCES: "5",
        KTRLPLANE_QUOTA_PROJECTS: "3",
        KTRLPLANE_QUOTA_BILLING_ACCOUNTS: "2",
        KTRLPLANE_QUOTA_MEMBERS: "2",
      },
    });
  });
  afterAll(async () => {
    await app?.close();
  });

  it("12 parallel creates at a quota of 5 resources: exactly 5 are made, the rest answer quota_exceeded", async () => {
    const { api } = await app.signUp();
    const project = (await api.post("/v1/projects", { name: "Busy" })).body;
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => api.post("/v1/resources", graph(project.id, `r${i}`))),
    );
    const made = results.filter((r) => r.status === 201);
    expect(made).toHaveLength(5);
    for (const refused of results.filter((r) => r.status !== 201)) {
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ code: "quota_exceeded", quota: "resources", limit: 5 });
    }
    expect((await api.get(`/v1/projects/${project.id}/resources`)).body.data).toHaveLength(5);
    // Deleting one frees its place.
    expect((await api.delete(`/v1/resources/${made[0]?.body.id}`)).status).toBe(204);
    expect((await api.post("/v1/resources", graph(project.id, "again"))).status).toBe(201);
    expect((await api.post("/v1/resources", graph(project.id, "over"))).status).toBe(409);
  });

  it("projects, billing accounts and members have their own quotas, per organization", async () => {
    const { api } = await app.signUp();
    const first = (await api.post("/v1/projects", { name: "p1" })).body;
    const org = first.organization_id;
    const projects = await Promise.all(
      ["p2", "p3", "p4", "p5"].map((name) =>
        api.post("/v1/projects", { name, organization_id: org }),
      ),
    );
    expect(projects.filter((r) => r.status === 201)).toHaveLength(2);
    expect(projects.find((r) => r.status === 409)?.body).toMatchObject({
      code: "quota_exceeded",
      quota: "projects",
      limit: 3,
    });

    // The primary account is one of the two.
    expect(
      (await api.post(`/v1/organizations/${org}/billing-accounts`, { name: "A" })).status,
    ).toBe(201);
    const account = await api.post(`/v1/organizations/${org}/billing-accounts`, { name: "B" });
    expect(account.status).toBe(409);
    expect(account.body).toMatchObject({ quota: "billing_accounts", limit: 2 });

    // The owner is one of the two members; a role is held once the invitation is accepted.
    const [a, b] = [await app.signUp(), await app.signUp()];
    const grant = (who: typeof a) =>
      inviteAndAccept({ by: api, path: `/v1/organizations/${org}/members`, who, role: "viewer" });
    expect((await grant(a)).status).toBe(200);
    const over = await grant(b);
    expect(over.status).toBe(409);
    expect(over.body).toMatchObject({ quota: "members", limit: 2 });

    // Another organization starts from nothing.
    const other = await app.signUp();
    expect((await other.api.post("/v1/projects", { name: "mine" })).status).toBe(201);
  });
});

describe.skipIf(!testDatabaseAvailable)("rate limit", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      env: { KTRLPLANE_RATE_LIMIT: "5", KTRLPLANE_RATE_LIMIT_WINDOW_S: "60" },
    });
  });
  afterAll(async () => {
    await app?.close();
  });

  it("a caller over the limit gets 429 with Retry-After; other callers and health checks do not", async () => {
    // Sign-ups come from one address: each is counted against it, not against a user.
    const ada = await app.signUp();
    const bob = await app.signUp();
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await ada.api.get("/v1/organizations"));
    expect(answers.slice(0, 5).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const limited = answers[5];
    expect(limited?.status).toBe(429);
    expect(limited?.body).toMatchObject({ code: "rate_limited" });
    expect(Number(limited?.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await bob.api.get("/v1/organizations")).status).toBe(200);
    expect((await app.client().get("/healthz")).status).toBe(200);
  });
});
