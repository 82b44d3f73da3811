import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inviteAndAccept } from "../support/invite.js";
import {
  type ApiClient,
  type ApiResponse,
  startTestApp,
  type TestApp,
} from "../support/test-app.js";
import { testDatabaseAvailable } from "../support/test-database.js";
import { writeUsageCatalog } from "../support/usage-catalog.js";

// Usage metering through the HTTP API, on both databases: per-event outcomes, exactly-once
// ingestion, who may send usage, and the usage queries.

function expectStatus(response: ApiResponse, status: number): void {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
}

interface UsageEvent {
  id: string;
  resource_id: string;
  event_name: string;
  value: number | string;
  timestamp: string;
  properties?: Record<string, unknown>;
}

const send = (api: ApiClient, events: UsageEvent[]) => api.post("/v1/usage", { events });
const outcomes = (response: ApiResponse) =>
  response.body.events.map((e: { status: string; code?: string }) => e.code ?? e.status);

describe.skipIf(!testDatabaseAvailable)("usage metering", () => {
  let app: TestApp;
  let owner: ApiClient;
  let viewer: ApiClient;
  let projectEditor: ApiClient;
  let outsider: ApiClient;
  let org: { id: string };
  let project: { id: string };
  let resource: { id: string };
  let second: { id: string };
  let otherResource: { id: string };
  let seq = 0;
  const nextId = () => `evt-${++seq}`;

  beforeAll(async () => {
    app = await startTestApp({ catalogPath: await writeUsageCatalog() });
    const [o, v, pe, out] = await Promise.all([
      app.signUp({ name: "Olga" }),
      app.signUp({ name: "Vera" }),
      app.signUp({ name: "Pete" }),
      app.signUp({ name: "Otto" }),
    ]);
    [owner, viewer, projectEditor, outsider] = [o.api, v.api, pe.api, out.api];
    org = (await owner.post("/v1/organizations", { name: "Acme" })).body;
    expectStatus(
      await inviteAndAccept({
        by: owner,
        path: `/v1/organizations/${org.id}/members`,
        who: v,
        role: "viewer",
      }),
      200,
    );
    project = (await owner.post("/v1/projects", { name: "Web", organization_id: org.id })).body;
    expectStatus(
      await inviteAndAccept({
        by: owner,
        path: `/v1/projects/${project.id}/members`,
        who: pe,
        role: "editor",
      }),
      200,
    );
    const create = (api: ApiClient, projectId: string, name: string) =>
      api.post("/v1/resources", {
        project_id: projectId,
        resource_type: "flow",
        sku: "runs",
        name,
      });
    resource = (await create(owner, project.id, "etl")).body;
    second = (await create(owner, project.id, "reports")).body;
    const otherOrg = (await outsider.post("/v1/organizations", { name: "Bravo" })).body;
    const otherProject = (
      await outsider.post("/v1/projects", { name: "B", organization_id: otherOrg.id })
    ).body;
    otherResource = (await create(outsider, otherProject.id, "theirs")).body;
    app.clock.set("2026-11-20T12:00:00Z");
    // Two apps' worth of sign-ups and set-up: slow on a loaded machine with PGlite.
  }, 180_000);
  afterAll(async () => {
    await app?.close();
  });

  const runs = (value: number | string, timestamp = "2026-11-15T10:30:00Z"): UsageEvent => ({
    id: nextId(),
    resource_id: resource.id,
    event_name: "flow_runs",
    value,
    timestamp,
  });
  const total = async (resourceId: string, eventName: string, query = "") => {
    const response = await owner.get(
      `/v1/resources/${resourceId}/usage?event_name=${eventName}${query}`,
    );
    expectStatus(response, 200);
    return response.body.total as string | null;
  };

  it("answers each event of a mixed batch; the good ones land whatever the others", async () => {
    const before = await total(resource.id, "flow_runs");
    const batch: UsageEvent[] = [
      runs(3),
      { ...runs(1), resource_id: "res_doesnotexist" },
      { ...runs(1), resource_id: otherResource.id },
      { ...runs(1), event_name: "no_such_meter" },
      runs(-1),
      runs("1e400"),
      runs(1, "2026-11-20T12:06:00Z"),
      runs(1, "yesterday"),
      runs(1, "2026-01-01T00:00:00Z"),
      { ...runs(1), event_name: "active_users", properties: { other: "x" } },
      runs("0.25", "2026-11-20T12:04:00Z"),
    ];
    const response = await send(owner, batch);
    expectStatus(response, 200);
    expect(outcomes(response)).toEqual([
      "accepted",
      "unknown_resource",
      "unknown_resource",
      "unknown_meter",
      "invalid_value",
      "invalid_value",
      "timestamp_in_future",
      "invalid_timestamp",
      "timestamp_out_of_range",
      "missing_property",
      "accepted",
    ]);
    expect(response.body).toMatchObject({ accepted: 2, duplicates: 0, rejected: 9 });
    expect(response.body.events[1]).toMatchObject({ index: 1, id: batch[1]?.id });
    // Another organization's resource is told apart from a missing one by nothing but its id.
    const [missing, foreign] = [response.body.events[1], response.body.events[2]];
    expect(foreign.message.replace(otherResource.id, "X")).toBe(
      missing.message.replace("res_doesnotexist", "X"),
    );
    expect(await total(resource.id, "flow_runs")).toBe(String(Number(before) + 3.25));
  });

  it("counts a retried batch once: every event comes back a duplicate", async () => {
    const batch = [runs(5), runs("2.5"), { ...runs(7), properties: { b: 1, a: "x" } }];
    const first = await send(owner, batch);
    const before = await total(resource.id, "flow_runs");
    expect(outcomes(first)).toEqual(["accepted", "accepted", "accepted"]);
    // Same content, written differently: 2.5 as a number, properties in another order.
    const retry = await send(owner, [
      batch[0] as UsageEvent,
      { ...(batch[1] as UsageEvent), value: 2.5 },
      { ...(batch[2] as UsageEvent), properties: { a: "x", b: 1 } },
    ]);
    expect(outcomes(retry)).toEqual(["duplicate", "duplicate", "duplicate"]);
    expect(retry.body).toMatchObject({ accepted: 0, duplicates: 3, rejected: 0 });
    expect(await total(resource.id, "flow_runs")).toBe(before);
  });

  it("refuses an id sent again with other content, in a later batch or the same one", async () => {
    const event = runs(4);
    expect(outcomes(await send(owner, [event]))).toEqual(["accepted"]);
    const before = await total(resource.id, "flow_runs");
    const reused = await send(owner, [
      { ...event, value: 40 },
      { ...event, resource_id: second.id },
      event,
    ]);
    expect(outcomes(reused)).toEqual(["id_reused", "id_reused", "duplicate"]);
    const inBatch = runs(1);
    expect(outcomes(await send(owner, [inBatch, { ...inBatch, value: 2 }, inBatch]))).toEqual([
      "accepted",
      "id_reused",
      "duplicate",
    ]);
    expect(await total(resource.id, "flow_runs")).toBe(String(Number(before) + 1));
    expect(await total(second.id, "flow_runs")).toBe("0");
  });

  it("keeps ids per organization: another organization may use the same id", async () => {
    const shared = `shared-${nextId()}`;
    const ours = await send(owner, [{ ...runs(1), id: shared }]);
    const theirs = await send(outsider, [
      { ...runs(1), id: shared, resource_id: otherResource.id },
    ]);
    expect([outcomes(ours), outcomes(theirs)]).toEqual([["accepted"], ["accepted"]]);
  });

  it("lets only callers who may write the project's resources send usage", async () => {
    const before = await total(resource.id, "flow_runs");
    const refused = await send(viewer, [runs(100)]);
    expectStatus(refused, 403);
    expect(refused.body).toMatchObject({ code: "forbidden", field: "events.0.resource_id" });
    // A viewer's batch is refused whole, even next to events for resources they cannot see.
    expectStatus(await send(viewer, [{ ...runs(1), resource_id: otherResource.id }, runs(1)]), 403);
    expect(outcomes(await send(projectEditor, [runs(1)]))).toEqual(["accepted"]);
    // Someone outside the organization learns nothing: unknown, as a missing resource.
    expect(outcomes(await send(outsider, [runs(1)]))).toEqual(["unknown_resource"]);
    expect(await total(resource.id, "flow_runs")).toBe(String(Number(before) + 1));
  });

  it("takes usage from machine tokens with usage:write or resources:write, not resources:read", async () => {
    const mint = async (scopes: string[]) => {
      const created = await owner.post(`/v1/organizations/${org.id}/machine-tokens`, {
        name: scopes.join(" "),
        scopes,
      });
      expectStatus(created, 201);
      return app.client(created.body.token);
    };
    expect(outcomes(await send(await mint(["usage:write"]), [runs(1)]))).toEqual(["accepted"]);
    expect(outcomes(await send(await mint(["resources:write"]), [runs(1)]))).toEqual(["accepted"]);
    expectStatus(await send(await mint(["resources:read"]), [runs(1)]), 403);
    const usageToken = await mint(["usage:write"]);
    expect(
      outcomes(await send(usageToken, [{ ...runs(1), resource_id: otherResource.id }])),
    ).toEqual(["unknown_resource"]);
  });

  it("refuses a malformed body whole", async () => {
    expectStatus(await owner.send("POST", "/v1/usage", "{not json"), 400);
    expectStatus(await owner.post("/v1/usage", { events: [] }), 422);
    const missingId = await owner.post("/v1/usage", {
      events: [runs(1), { ...runs(1), id: undefined }],
    });
    expectStatus(missingId, 422);
    expect(missingId.body.field).toBe("events.1.id");
    expectStatus(await owner.post("/v1/usage", { events: [{ ...runs(1), value: {} }] }), 422);
  });

  it("aggregates each meter as it says: sum, count, max, unique_count, latest", async () => {
    const r = second.id;
    const at = (hour: string, minute = "00") => `2026-11-18T${hour}:${minute}:00Z`;
    const event = (event_name: string, value: number, timestamp: string, user?: string) => ({
      id: nextId(),
      resource_id: r,
      event_name,
      value,
      timestamp,
      ...(user ? { properties: { user } } : {}),
    });
    const response = await send(owner, [
      event("api_calls", 7, at("09", "10")),
      event("api_calls", 0, at("09", "20")),
      event("api_calls", 3, at("10", "05")),
      event("peak_connections", 40, at("09", "10")),
      event("peak_connections", 25, at("09", "50")),
      event("peak_connections", 31, at("10", "30")),
      event("active_users", 1, at("09", "10"), "ada"),
      event("active_users", 1, at("09", "20"), "bob"),
      event("active_users", 1, at("10", "10"), "ada"),
      event("active_users", 1, at("10", "20"), "cy"),
      event("seats", 5, at("09", "10")),
      event("seats", 9, at("10", "40")),
      event("seats", 6, at("10", "20")),
    ]);
    expect(response.body.accepted).toBe(13);
    const series = async (eventName: string, granularity: string) =>
      (
        await owner.get(
          `/v1/resources/${r}/usage?event_name=${eventName}&granularity=${granularity}&from=2026-11-18T00:00:00Z&to=2026-11-19T00:00:00Z`,
        )
      ).body;
    const hourly = async (eventName: string) => {
      const body = await series(eventName, "hour");
      return {
        total: body.total,
        data: body.data.map((b: { start: string; value: string }) => [
          b.start.slice(11, 13),
          b.value,
        ]),
      };
    };
    expect(await hourly("api_calls")).toEqual({
      total: "3",
      data: [
        ["09", "2"],
        ["10", "1"],
      ],
    });
    expect(await hourly("peak_connections")).toEqual({
      total: "40",
      data: [
        ["09", "40"],
        ["10", "31"],
      ],
    });
    expect(await hourly("active_users")).toEqual({
      total: "3",
      data: [
        ["09", "2"],
        ["10", "2"],
      ],
    });
    expect(await hourly("seats")).toEqual({
      total: "9",
      data: [
        ["09", "5"],
        ["10", "9"],
      ],
    });
    const daily = await series("peak_connections", "day");
    expect(daily).toMatchObject({
      aggregation: "max",
      granularity: "day",
      total: "40",
      data: [{ start: "2026-11-18T00:00:00.000Z", value: "40" }],
    });
    // Nothing sent: sums are 0, a maximum does not exist.
    const empty = (name: string) =>
      total(r, name, "&from=2026-11-12T00:00:00Z&to=2026-11-13T00:00:00Z");
    expect([await empty("api_calls"), await empty("peak_connections")]).toEqual(["0", null]);
  });

  it("answers queries for what the caller may read, with bounds it can answer exactly", async () => {
    expectStatus(
      await outsider.get(`/v1/resources/${resource.id}/usage?event_name=flow_runs`),
      404,
    );
    expectStatus(await viewer.get(`/v1/resources/${resource.id}/usage?event_name=flow_runs`), 200);
    expectStatus(await outsider.get(`/v1/organizations/${org.id}/usage`), 404);
    const unaligned = await owner.get(
      `/v1/resources/${resource.id}/usage?event_name=flow_runs&granularity=hour&from=2026-11-18T00:30:00Z&to=2026-11-19T00:00:00Z`,
    );
    expectStatus(unaligned, 422);
    expect(unaligned.body.field).toBe("from");
    // The organization's totals too: a window ending inside an hour is refused, not rounded.
    const cut = await owner.get(
      `/v1/organizations/${org.id}/usage?from=2026-11-01T00:00:00Z&to=2026-11-15T10:45:00Z`,
    );
    expect([cut.status, cut.body.field]).toEqual([422, "to"]);
    const unknown = await owner.get(`/v1/resources/${resource.id}/usage?event_name=nope`);
    expect([unknown.status, unknown.body.field]).toEqual([422, "event_name"]);
  });

  it("totals an organization's usage per project, resource or meter, paged", async () => {
    const byMeter = await owner.get(`/v1/organizations/${org.id}/usage?group_by=event_name`);
    expectStatus(byMeter, 200);
    const rows = byMeter.body.data as { event_name: string; value: string; resources: number }[];
    expect(rows.map((row) => row.event_name)).toEqual([
      "active_users",
      "api_calls",
      "flow_runs",
      "peak_connections",
      "seats",
    ]);
    for (const row of rows) {
      if (row.event_name === "flow_runs") continue;
      expect(row.value).toBe(await total(second.id, row.event_name));
    }
    const flowRuns = rows.find((row) => row.event_name === "flow_runs");
    expect(flowRuns?.value).toBe(
      String(
        Number(await total(resource.id, "flow_runs")) + Number(await total(second.id, "flow_runs")),
      ),
    );
    const paged: unknown[] = [];
    let cursor: string | null = null;
    do {
      const page: ApiResponse = await owner.get(
        `/v1/organizations/${org.id}/usage?group_by=resource&limit=2${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expectStatus(page, 200);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      paged.push(...page.body.data);
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(paged.map((row) => (row as { event_name: string }).event_name).sort()).toEqual(
      ["flow_runs", "api_calls", "peak_connections", "active_users", "seats"].sort(),
    );
    const byProject = await owner.get(`/v1/organizations/${org.id}/usage?group_by=project`);
    expect(
      byProject.body.data.every((row: { project_id: string }) => row.project_id === project.id),
    ).toBe(true);
    expectStatus(await owner.get(`/v1/organizations/${org.id}/usage?cursor=garbage`), 422);
  });
});
