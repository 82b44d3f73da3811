import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, startTestApp, type TestApp } from "../support/test-app.js";
import { testDatabaseAvailable } from "../support/test-database.js";

// Idempotency-Key on every creating POST, through one route option: a retry replays the first
// status and body, the key with another request is 422, keys are per caller, and a request that
// failed leaves its key unused.

describe.skipIf(!testDatabaseAvailable)("Idempotency-Key on creating POSTs", () => {
  let app: TestApp;
  let api: ApiClient;
  let organizationId: string;

  beforeAll(async () => {
    app = await startTestApp();
    ({ api } = await app.signUp());
    const project = await api.post("/v1/projects", { name: "base" });
    expect(project.status).toBe(201);
    organizationId = project.body.organization_id;
  });
  afterAll(async () => {
    await app?.close();
  });

  const expectReused = (response: { status: number; body: { code?: string } }) =>
    expect({ status: response.status, code: response.body.code }).toEqual({
      status: 422,
      code: "idempotency_key_reused",
    });
  const key = (name: string) => ({ "Idempotency-Key": `${name}-${Date.now()}` });

  it("POST /v1/projects: a retry replays the first project; another body is 422", async () => {
    const headers = key("project");
    const body = { name: "Retried", organization_id: organizationId };
    const first = await api.post("/v1/projects", body, headers);
    const second = await api.post("/v1/projects", body, headers);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    const projects = await api.get(`/v1/organizations/${organizationId}/projects`);
    expect(projects.body.data.filter((p: { name: string }) => p.name === "Retried")).toHaveLength(
      1,
    );

    const reused = await api.post("/v1/projects", { ...body, name: "Other" }, headers);
    expect(reused.status).toBe(422);
    expect(reused.body).toMatchObject({ code: "idempotency_key_reused", field: "Idempotency-Key" });
  });

  it("POST /v1/organizations/{id}/billing-accounts: one account however many retries, also racing", async () => {
    const headers = key("account");
    const racing = await Promise.all(
      Array.from({ length: 5 }, () =>
        api.post(`/v1/organizations/${organizationId}/billing-accounts`, { name: "Dept" }, headers),
      ),
    );
    expect(racing.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    expect(new Set(racing.map((r) => r.body.id)).size).toBe(1);
    for (const r of racing) expect(r.body).toEqual(racing[0]?.body);
    const accounts = await api.get(`/v1/organizations/${organizationId}/billing-accounts`);
    expect(accounts.body.data.filter((a: { name: string }) => a.name === "Dept")).toHaveLength(1);
  });

  it("POST /v1/organizations: keys belong to their caller", async () => {
    const headers = key("org");
    const mine = await api.post("/v1/organizations", { name: "Mine" }, headers);
    const again = await api.post("/v1/organizations", { name: "Mine" }, headers);
    expect(again.body).toEqual(mine.body);
    const other = await app.signUp();
    const theirs = await other.api.post("/v1/organizations", { name: "Mine" }, headers);
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(mine.body.id);
  });

  it("POST /v1/organizations/{id}/members: a replay answers the same invitation without its link; a new key invites anew", async () => {
    const invitee = await app.signUp();
    const headers = key("member");
    const body = { email: invitee.user.email, role: "viewer" };
    const path = `/v1/organizations/${organizationId}/members`;
    const first = await api.post(path, body, headers);
    const replay = await api.post(path, body, headers);
    expect(first.status).toBe(201);
    expect(first.body.accept_url).toMatch(/#token=kp_inv_/);
    expect(replay.status).toBe(201);
    // The token lives in the first answer only: the stored replay keeps everything else.
    expect(replay.body).toEqual({ ...first.body, accept_url: null });
    const invitations = await api.get(`/v1/organizations/${organizationId}/invitations`);
    expect(invitations.body.data.map((i: { id: string }) => i.id)).toEqual([first.body.id]);
    expectReused(await api.post(path, { ...body, role: "editor" }, headers));
    const fresh = await api.post(path, body, key("member-again"));
    expect(fresh.status).toBe(201);
    expect(fresh.body.id).not.toBe(first.body.id);
  });

  it("a request that failed leaves its key unused; the key names one route and its path", async () => {
    const headers = key("failed");
    const failed = await api.post(
      "/v1/projects",
      {
        name: "Later",
        organization_id: organizationId,
        billing: { mode: "separate", billing_account_id: "ba_missing" },
      },
      headers,
    );
    expect(failed.status).toBe(404);
    const corrected = await api.post(
      "/v1/projects",
      { name: "Later", organization_id: organizationId },
      headers,
    );
    expect(corrected.status).toBe(201);
    // The same key and body on another route is another request: refused, not replayed.
    const elsewhere = await api.post(
      `/v1/organizations/${organizationId}/billing-accounts`,
      { name: "Later" },
      headers,
    );
    expect(elsewhere.status).toBe(422);
    expect(elsewhere.body.code).toBe("idempotency_key_reused");
  });
});
