import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiClient, ApiResponse } from "../support/test-app.js";
import { startTestApp, type TestApp } from "../support/test-app.js";
import { openTestDatabase, testDatabaseAvailable } from "../support/test-database.js";

const graph = (projectId: string, name: string) => ({
  project_id: projectId,
  resource_type: "graph",
  sku: "standard",
  name,
});

/** Answers sorted into made (201) and refused; anything else fails the test. */
function tally(results: ApiResponse[], quota: string, limit: number) {
  const made = results.filter((r) => r.status === 201);
  for (const refused of results.filter((r) => r.status !== 201)) {
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: "quota_exceeded", quota, limit });
  }
  return made;
}

/**
 * Quotas stay exact when creates race: far from a quota they share its lock and run side by
 * side, near it they take it one at a time (migration 011). The margin between the two is the
 * number of transactions the server can have alive at once, read from the server itself.
 */
describe.skipIf(!testDatabaseAvailable)("quotas under concurrent creates and deletes", () => {
  const projectQuota = 30;
  const beyondMargin = 20;
  let app: TestApp;
  let resourceQuota: number;
  let api: ApiClient;
  let organizationId: string;
  let busyProjectId: string;

  const liveResources = async () => {
    const [row] = await app.db.query<{ live: number; counted: number }>(
      `SELECT (SELECT count(*)::int FROM ktrlplane.resources WHERE organization_id = $1 AND deleted_at IS NULL) AS live,
              (SELECT coalesce(sum(n), 0)::int FROM ktrlplane.organization_usage_shards
                WHERE organization_id = $1 AND kind = 'resources') AS counted`,
      [organizationId],
    );
    // The counter the quota reads is the count of live rows, whatever was deleted and where.
    expect(row?.counted).toBe(row?.live);
    return row?.live ?? 0;
  };

  beforeAll(async () => {
    const db = await openTestDatabase();
    const [margin] = await db.query<{ in_flight: number }>(
      `SELECT current_setting('max_connections')::int + current_setting('max_worker_processes')::int
              + current_setting('max_prepared_transactions')::int AS in_flight`,
    );
    resourceQuota = (margin?.in_flight ?? 0) + beyondMargin;
    app = await startTestApp({
      db,
      env: {
        KTRLPLANE_QUOTA_PROJECTS: String(projectQuota),
        KTRLPLANE_QUOTA_RESOURCES: String(resourceQuota),
      },
    });
    ({ api } = await app.signUp());
    organizationId = (await api.post("/v1/projects", { name: "First" })).body.organization_id;
  }, 180_000);
  afterAll(async () => {
    await app?.close();
  });

  it("near a small quota every create waits its turn: 90 racing for 29 places make exactly 29", async () => {
    const results = await Promise.all(
      Array.from({ length: 90 }, (_, i) =>
        api.post("/v1/projects", { name: `p${i}`, organization_id: organizationId }),
      ),
    );
    expect(tally(results, "projects", projectQuota)).toHaveLength(projectQuota - 1);
  });

  it("creates that start far from the quota and end at it make exactly the quota", {
    timeout: 180_000,
  }, async () => {
    const project = (await api.get(`/v1/organizations/${organizationId}/projects?limit=1`)).body
      .data[0];
    busyProjectId = project.id;
    // The first `beyondMargin` creates may share the lock; every later one must take it alone.
    const results = await Promise.all(
      Array.from({ length: resourceQuota + 40 }, (_, i) =>
        api.post("/v1/resources", graph(project.id, `r${i}`)),
      ),
    );
    const made = tally(results, "resources", resourceQuota);
    expect(made).toHaveLength(resourceQuota);
    expect(await liveResources()).toBe(resourceQuota);

    // Deletes land on whichever shard their connection writes; racing with creates, the count
    // stays the count of live rows and never passes the quota.
    const gone = made.slice(0, 40).map((r) => api.delete(`/v1/resources/${r.body.id}`));
    const again = Array.from({ length: 30 }, (_, i) =>
      api.post("/v1/resources", graph(project.id, `s${i}`)),
    );
    const mixed = await Promise.all([...gone, ...again]);
    expect(mixed.slice(0, 40).map((r) => r.status)).toEqual(Array(40).fill(204));
    const remade = tally(mixed.slice(40), "resources", resourceQuota).length;
    const live = await liveResources();
    expect(live).toBe(resourceQuota - 40 + remade);

    // Filling up again makes exactly the free places.
    const fill = await Promise.all(
      Array.from({ length: resourceQuota - live + 25 }, (_, i) =>
        api.post("/v1/resources", graph(project.id, `t${i}`)),
      ),
    );
    expect(tally(fill, "resources", resourceQuota)).toHaveLength(resourceQuota - live);
    expect(await liveResources()).toBe(resourceQuota);
  });

  it("deleting a project gives back its place and its resources' places", async () => {
    const projects = (await api.get(`/v1/organizations/${organizationId}/projects?limit=100`)).body
      .data;
    expect(projects).toHaveLength(projectQuota);
    const empty = projects.find((p: { id: string }) => p.id !== busyProjectId);
    expect((await api.delete(`/v1/projects/${empty.id}`)).status).toBe(204);
    const project = (
      await api.post("/v1/projects", { name: "Doomed", organization_id: organizationId })
    ).body;
    // The resource quota is full: the new project gets nothing until a place is freed.
    expect((await api.post("/v1/resources", graph(project.id, "none"))).status).toBe(409);
    const [first] = (await api.get(`/v1/projects/${busyProjectId}/resources?limit=1`)).body.data;
    expect((await api.delete(`/v1/resources/${first.id}`)).status).toBe(204);
    expect((await api.post("/v1/resources", graph(project.id, "one"))).status).toBe(201);
    expect((await api.delete(`/v1/projects/${project.id}`)).status).toBe(204);
    expect(await liveResources()).toBe(resourceQuota - 1);
    expect((await api.post("/v1/resources", graph(busyProjectId, "back"))).status).toBe(201);
    expect((await api.post("/v1/resources", graph(busyProjectId, "over"))).status).toBe(409);
  });
});
