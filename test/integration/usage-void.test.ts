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

// Voiding usage through the HTTP API, on both databases: voided events stop counting in every
// query at once, a retry changes nothing, others' ids are unknown, and only who may send usage
// may void it.

function expectStatus(response: ApiResponse, status: number): void {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
}

const statuses = (response: ApiResponse) =>
  response.body.events.map((e: { status: string }) => e.status);

describe.skipIf(!testDatabaseAvailable)("voiding usage", () => {
  let app: TestApp;
  let owner: ApiClient;
  let viewer: ApiClient;
  let outsider: ApiClient;
  let org: { id: string };
  let resource: string;
  let otherResource: string;
  let seq = 0;

  beforeAll(async () => {
    app = await startTestApp({ catalogPath: await writeUsageCatalog() });
    const [o, v, out] = await Promise.all([
      app.signUp({ name: "Olga" }),
      app.signUp({ name: "Vera" }),
      app.signUp({ name: "Otto" }),
    ]);
    [owner, viewer, outsider] = [o.api, v.api, out.api];
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
    const project = (await owner.post("/v1/projects", { name: "Web", organization_id: org.id }))
      .body;
    const create = (api: ApiClient, projectId: string) =>
      api.post("/v1/resources", {
        project_id: projectId,
        resource_type: "flow",
        sku: "runs",
        name: "etl",
      });
    resource = (await create(owner, project.id)).body.id;
    const otherOrg = (await outsider.post("/v1/organizations", { name: "Bravo" })).body;
    const otherProject = (
      await outsider.post("/v1/projects", { name: "B", organization_id: otherOrg.id })
    ).body;
    otherResource = (await create(outsider, otherProject.id)).body.id;
    app.clock.set("2026-11-20T12:00:00Z");
  }, 180_000);
  afterAll(async () => {
    await app?.close();
  });

  const event = (options: {
    event_name: string;
    value: number;
    at: string;
    user?: string;
    resource_id?: string;
  }) => ({
    id: `evt-${++seq}`,
    resource_id: options.resource_id ?? resource,
    event_name: options.event_name,
    value: options.value,
    timestamp: `2026-11-${options.at}:00Z`,
    ...(options.user ? { properties: { user: options.user } } : {}),
  });
  const send = async (api: ApiClient, events: ReturnType<typeof event>[]) => {
    const response = await api.post("/v1/usage", { events });
    expectStatus(response, 200);
    expect(response.body.accepted).toBe(events.length);
  };
  const usage = async (eventName: string, day: string) => {
    const response = await owner.get(
      `/v1/resources/${resource}/usage?event_name=${eventName}&granularity=hour&from=2026-11-${day}T00:00:00Z&to=2026-11-${day}T23:00:00Z`,
    );
    expectStatus(response, 200);
    return {
      total: response.body.total,
      hours: response.body.data.map((b: { start: string; value: string }) => [
        b.start.slice(11, 13),
        b.value,
      ]),
    };
  };
  const organizationTotal = async (eventName: string, day: string) => {
    const response = await owner.get(
      `/v1/organizations/${org.id}/usage?group_by=event_name&from=2026-11-${day}T00:00:00Z&to=2026-11-${day}T23:00:00Z`,
    );
    expectStatus(response, 200);
    return (
      response.body.data.find((row: { event_name: string }) => row.event_name === eventName)
        ?.value ?? null
    );
  };

  it("stops counting voided events in every query; voiding again changes nothing", async () => {
    const runs = [
      event({ event_name: "flow_runs", value: 5, at: "10T09:10" }),
      event({ event_name: "flow_runs", value: 7, at: "10T09:20" }),
      event({ event_name: "flow_runs", value: 2, at: "10T10:05" }),
    ];
    const peaks = [
      event({ event_name: "peak_connections", value: 40, at: "10T09:10" }),
      event({ event_name: "peak_connections", value: 25, at: "10T09:50" }),
    ];
    const seats = [
      event({ event_name: "seats", value: 3, at: "10T09:10" }),
      event({ event_name: "seats", value: 9, at: "10T09:40" }),
    ];
    await send(owner, [...runs, ...peaks, ...seats]);
    expect(await usage("flow_runs", "10")).toEqual({
      total: "14",
      hours: [
        ["09", "12"],
        ["10", "2"],
      ],
    });

    const ids = [runs[1], runs[2], peaks[0], seats[1]].map((e) => e?.id as string);
    const voided = await owner.post("/v1/usage/void", { ids });
    expectStatus(voided, 200);
    expect(voided.body).toMatchObject({ voided: 4, already_voided: 0, not_found: 0 });
    expect(statuses(voided)).toEqual(["voided", "voided", "voided", "voided"]);
    // Sums lose the values, an hour left empty disappears, MAX and latest fall back to the events
    // still standing.
    expect(await usage("flow_runs", "10")).toEqual({ total: "5", hours: [["09", "5"]] });
    expect(await usage("peak_connections", "10")).toEqual({ total: "25", hours: [["09", "25"]] });
    expect(await usage("seats", "10")).toEqual({ total: "3", hours: [["09", "3"]] });
    expect(await organizationTotal("flow_runs", "10")).toBe("5");

    const again = await owner.post("/v1/usage/void", { ids: [...ids, ids[0]] });
    expectStatus(again, 200);
    expect(again.body).toMatchObject({ voided: 0, already_voided: 5, not_found: 0 });
    expect(await usage("flow_runs", "10")).toEqual({ total: "5", hours: [["09", "5"]] });
    // A voided id stays taken: sending it again is a duplicate, not a new count.
    const resent = await owner.post("/v1/usage", { events: [runs[1]] });
    expect(statuses(resent)).toEqual(["duplicate"]);
    expect(await usage("flow_runs", "10")).toEqual({ total: "5", hours: [["09", "5"]] });
  });

  it("keeps counting a voided unique_count value that another standing event still holds", async () => {
    const users = [
      event({ event_name: "active_users", value: 1, at: "11T09:10", user: "ada" }),
      event({ event_name: "active_users", value: 1, at: "11T09:20", user: "ada" }),
      event({ event_name: "active_users", value: 1, at: "11T09:30", user: "bob" }),
      event({ event_name: "active_users", value: 1, at: "11T10:30", user: "bob" }),
    ];
    await send(owner, users);
    expect(await usage("active_users", "11")).toEqual({
      total: "2",
      hours: [
        ["09", "2"],
        ["10", "1"],
      ],
    });
    // ada's first event goes, her second still holds her; bob's 09:30 goes, he stays at 10:30.
    const voided = await owner.post("/v1/usage/void", {
      ids: [users[0]?.id, users[2]?.id],
    });
    expect(voided.body.voided).toBe(2);
    expect(await usage("active_users", "11")).toEqual({
      total: "2",
      hours: [
        ["09", "1"],
        ["10", "1"],
      ],
    });
    expect(await organizationTotal("active_users", "11")).toBe("2");
    // Once ada's last event goes, she is no longer counted.
    await owner.post("/v1/usage/void", { ids: [users[1]?.id] });
    expect(await usage("active_users", "11")).toEqual({ total: "1", hours: [["10", "1"]] });
  });

  it("answers not_found for another organization's id, as for one never sent", async () => {
    const theirs = event({
      event_name: "flow_runs",
      value: 100,
      at: "12T09:00",
      resource_id: otherResource,
    });
    await send(outsider, [theirs]);
    const shared = { ...event({ event_name: "flow_runs", value: 1, at: "12T09:00" }) };
    await send(owner, [shared]);
    await send(outsider, [{ ...shared, resource_id: otherResource }]);

    const response = await owner.post("/v1/usage/void", {
      ids: [theirs.id, "never-sent", shared.id],
    });
    expectStatus(response, 200);
    expect(statuses(response)).toEqual(["not_found", "not_found", "voided"]);
    // Only ours was voided: theirs, under the same id, still counts.
    const theirUsage = await outsider.get(
      `/v1/resources/${otherResource}/usage?event_name=flow_runs&from=2026-11-12T00:00:00Z&to=2026-11-13T00:00:00Z`,
    );
    expect(theirUsage.body.total).toBe("101");
    expect(await usage("flow_runs", "12")).toEqual({ total: "0", hours: [] });
  });

  it("lets only callers who may write the project's resources void, and audits who did", async () => {
    const kept = event({ event_name: "flow_runs", value: 8, at: "13T09:00" });
    await send(owner, [kept]);
    const refused = await viewer.post("/v1/usage/void", { ids: ["never-sent", kept.id] });
    expectStatus(refused, 403);
    expect(refused.body).toMatchObject({ code: "forbidden", field: "ids.1" });
    expect(await usage("flow_runs", "13")).toEqual({ total: "8", hours: [["09", "8"]] });

    const token = await owner.post(`/v1/organizations/${org.id}/machine-tokens`, {
      name: "reader",
      scopes: ["resources:read"],
    });
    expectStatus(
      await app.client(token.body.token).post("/v1/usage/void", { ids: [kept.id] }),
      403,
    );
    const writer = await owner.post(`/v1/organizations/${org.id}/machine-tokens`, {
      name: "meter",
      scopes: ["usage:write"],
    });
    const byToken = await app.client(writer.body.token).post("/v1/usage/void", { ids: [kept.id] });
    expect(statuses(byToken)).toEqual(["voided"]);
    expect(await usage("flow_runs", "13")).toEqual({ total: "0", hours: [] });

    const audit = await owner.get(
      `/v1/organizations/${org.id}/audit?action=usage.voided&order=desc`,
    );
    expectStatus(audit, 200);
    expect(audit.body.data[0]).toMatchObject({
      actor: { id: writer.body.id },
      subject: { type: "organization", id: org.id },
      after: { event_ids: [kept.id] },
    });
  });

  it("refuses a malformed body whole", async () => {
    expectStatus(await owner.post("/v1/usage/void", { ids: [] }), 422);
    expectStatus(await owner.post("/v1/usage/void", { ids: [""] }), 422);
    expectStatus(await owner.post("/v1/usage/void", { events: ["x"] }), 422);
  });
});
