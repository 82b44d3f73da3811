import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../support/test-app.js";
import { testDatabaseAvailable } from "../support/test-database.js";

describe.skipIf(!testDatabaseAvailable)("concurrent writes and idempotent retries", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  const graph = (projectId: string, name: string) => ({
    project_id: projectId,
    resource_type: "graph",
    sku: "standard",
    name,
  });

  it("parallel creates and deletes on one account never lose an update", async () => {
    const { api } = await app.signUp();
    const project = (await api.post("/v1/projects", { name: "Busy" })).body;
    const accountId = project.billing.billing_account_id;
    const created = await Promise.all(
      Array.from({ length: 40 }, (_, i) => api.post("/v1/resources", graph(project.id, `r${i}`))),
    );
    expect(created.map((r) => r.status)).toEqual(Array(40).fill(201));
    expect((await api.get(`/v1/billing-accounts/${accountId}`)).body.items[0].quantity).toBe(40);

    const deletions = created.slice(0, 20).map((r) => api.delete(`/v1/resources/${r.body.id}`));
    const creations = Array.from({ length: 10 }, (_, i) =>
      api.post("/v1/resources", graph(project.id, `s${i}`)),
    );
    const results = await Promise.all([...deletions, ...creations]);
    expect(results.map((r) => r.status).sort()).toEqual([
      ...Array(10).fill(201),
      ...Array(20).fill(204),
    ]);
    expect((await api.get(`/v1/billing-accounts/${accountId}`)).body.items[0].quantity).toBe(30);
    expect((await api.get(`/v1/projects/${project.id}/resources`)).body.data).toHaveLength(30);
  });

  it("racing deletes of one resource: one answers 204, the others 404, and its billing stops once", async () => {
    const { api } = await app.signUp();
    const project = (await api.post("/v1/projects", { name: "Twice" })).body;
    const accountId = project.billing.billing_account_id;
    const kept = (await api.post("/v1/resources", graph(project.id, "kept"))).body;
    const doomed = (await api.post("/v1/resources", graph(project.id, "doomed"))).body;
    const results = await Promise.all(
      Array.from({ length: 6 }, () => api.delete(`/v1/resources/${doomed.id}`)),
    );
    expect(results.map((r) => r.status).sort()).toEqual([204, 404, 404, 404, 404, 404]);
    expect((await api.get(`/v1/resources/${kept.id}`)).status).toBe(200);
    expect((await api.get(`/v1/billing-accounts/${accountId}`)).body.items[0].quantity).toBe(1);
  });

  it("creates racing a billing switch all end up on the account the project resolves to", async () => {
    const { api } = await app.signUp();
    const project = (await api.post("/v1/projects", { name: "Racing" })).body;
    const primaryId = project.billing.billing_account_id;
    const work = [
      ...Array.from({ length: 15 }, (_, i) =>
        api.post("/v1/resources", graph(project.id, `a${i}`)),
      ),
      api.put(`/v1/projects/${project.id}/billing`, { mode: "separate" }),
      ...Array.from({ length: 15 }, (_, i) =>
        api.post("/v1/resources", graph(project.id, `b${i}`)),
      ),
    ];
    const results = await Promise.all(work);
    expect(results.every((r) => r.status === 200 || r.status === 201)).toBe(true);
    const billing = (await api.get(`/v1/projects/${project.id}/billing`)).body;
    expect(billing.mode).toBe("separate");
    expect(
      (await api.get(`/v1/billing-accounts/${billing.billing_account_id}`)).body.items[0].quantity,
    ).toBe(30);
    expect((await api.get(`/v1/billing-accounts/${primaryId}`)).body.items).toEqual([]);
  });

  it("a retried create with the same Idempotency-Key returns the first result and bills once", async () => {
    const { api } = await app.signUp();
    const project = (await api.post("/v1/projects", { name: "Retry" })).body;
    const headers = { "Idempotency-Key": "create-db-1" };
    const first = await api.post("/v1/resources", graph(project.id, "db"), headers);
    const second = await api.post("/v1/resources", graph(project.id, "db"), headers);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);

    // Ten clients retrying at once: still one resource.
    const racing = await Promise.all(
      Array.from({ length: 10 }, () =>
        api.post("/v1/resources", graph(project.id, "cache"), {
          "Idempotency-Key": "create-cache",
        }),
      ),
    );
    expect(new Set(racing.map((r) => r.body.id)).size).toBe(1);
    const account = await api.get(`/v1/billing-accounts/${project.billing.billing_account_id}`);
    expect(account.body.items[0].quantity).toBe(2);

    const reused = await api.post("/v1/resources", graph(project.id, "other"), headers);
    expect(reused.status).toBe(422);
    expect(reused.body).toMatchObject({ code: "idempotency_key_reused", field: "Idempotency-Key" });

    // Keys belong to their caller: someone else's identical key is a new request.
    const other = await app.signUp();
    const theirProject = (await other.api.post("/v1/projects", { name: "Theirs" })).body;
    const theirs = await other.api.post("/v1/resources", graph(theirProject.id, "db"), headers);
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(first.body.id);
  });

  it("a create that failed leaves its key unused, so the corrected retry goes through", async () => {
    const { api } = await app.signUp();
    const project = (await api.post("/v1/projects", { name: "Fix" })).body;
    const headers = { "Idempotency-Key": "fix-1" };
    const failed = await api.post(
      "/v1/resources",
      { ...graph(project.id, "x"), sku: "nope" },
      headers,
    );
    expect(failed.status).toBe(422);
    const again = await api.post(
      "/v1/resources",
      { ...graph(project.id, "x"), sku: "nope" },
      headers,
    );
    expect(again.status).toBe(422);
    const corrected = await api.post("/v1/resources", graph(project.id, "x"), headers);
    expect(corrected.status).toBe(201);
  });

  // PostgreSQL re-checks a row locked after a wait against the rows it had already joined: a
  // create or delete blocked behind a switch must still find the project (it exists all along).
  it("creates and deletes racing billing switches neither fail nor answer 404", async () => {
    const { api } = await app.signUp();
    const project = (await api.post("/v1/projects", { name: "Switching" })).body;
    const dept = (
      await api.post(`/v1/organizations/${project.organization_id}/billing-accounts`, {
        name: "Dept",
      })
    ).body;
    const wrong: string[] = [];
    for (let i = 0; i < 30; i++) {
      const existing = (await api.post("/v1/resources", graph(project.id, `old${i}`))).body;
      const to =
        i % 2 === 0 ? { mode: "separate", billing_account_id: dept.id } : { mode: "inherit" };
      const [switched, created, deleted] = await Promise.all([
        api.put(`/v1/projects/${project.id}/billing`, to),
        api.post("/v1/resources", graph(project.id, `new${i}`)),
        api.delete(`/v1/resources/${existing.id}`),
      ]);
      expect(switched.status).toBe(200);
      if (created.status !== 201) wrong.push(`create → ${created.status} ${created.body.detail}`);
      if (deleted.status !== 204) wrong.push(`delete → ${deleted.status} ${deleted.body.detail}`);
    }
    expect(wrong).toEqual([]);
    const billing = (await api.get(`/v1/projects/${project.id}/billing`)).body;
    const items = (await api.get(`/v1/billing-accounts/${billing.billing_account_id}`)).body.items;
    expect(items[0].quantity).toBe(30);
  });
});
