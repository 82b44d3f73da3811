import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { finalizeDueInvoices } from "../../src/invoices/finalize-due-invoices.js";
import {
  type ApiClient,
  type ApiResponse,
  startTestApp,
  type TestApp,
} from "../support/test-app.js";
import { testDatabaseAvailable } from "../support/test-database.js";
import { writeMeteredCatalog } from "../support/usage-catalog.js";

// Metered prices billed from usage through the HTTP API, on both databases: every aggregation
// and pricing scheme, against figures computed here from the events sent.

function expectStatus(response: ApiResponse, status: number): void {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
}

interface Line {
  kind: "charge" | "adjustment";
  resource_type: string;
  sku: string;
  quantity: number;
  usage_quantity: string | null;
  amount: number;
}

describe.skipIf(!testDatabaseAvailable)("metered billing", () => {
  let app: TestApp;
  let api: ApiClient;
  let organizationId: string;
  let primary: string;
  let own: string;
  const ids: Record<string, string> = {};
  let seq = 0;

  const send = async (
    resource: string,
    event_name: string,
    events: { value?: number | string; at: string; properties?: object }[],
  ) => {
    const r = await api.post("/v1/usage", {
      events: events.map((e) => ({
        id: `evt-${++seq}`,
        resource_id: ids[resource],
        event_name,
        value: e.value ?? 1,
        timestamp: e.at,
        ...(e.properties ? { properties: e.properties } : {}),
      })),
    });
    expectStatus(r, 200);
    expect(r.body.events.map((e: { status: string }) => e.status)).toEqual(
      events.map(() => "accepted"),
    );
  };
  const meteredLines = (lines: Line[]) =>
    Object.fromEntries(
      lines
        // The period's own lines: an adjustment of an earlier one is billed apart.
        .filter((l) => l.usage_quantity !== null && l.kind === "charge")
        .map((l) => [`${l.resource_type}/${l.sku}`, [l.usage_quantity, l.amount, l.quantity]]),
    );

  // What the events below make, computed by hand from them.
  const flowPrimary = 100 + 250.5 + 49.5 + 1000; // sum over r1 and r2 = 1400 runs at 2 cents
  const expectedPrimary = {
    "flow/runs": [String(flowPrimary), flowPrimary * 2, 2],
    // 1,250 calls at 0.002 cents = 2.5 cents, rounded once (half up) to 3.
    "api/calls": ["1250", 3, 1],
    // The peak is 42 (not 5 + 42 + 17): 10 at 100, then 32 at 50.
    "db/peak": ["42", 10 * 100 + 32 * 50, 1],
    // Users a, b, c, d over the month: 4 (the hours' counts would add to 5), 2 packages of 2.
    "app/users": ["4", 2 * 500, 1],
    // The last event by timestamp says 3 seats (sent before an older 8): all 3 in the first tier.
    "seats/seat": ["3", 3 * 1000, 1],
  };
  const primaryMeteredTotal = 2800 + 3 + 2600 + 1000 + 3000;

  beforeAll(async () => {
    app = await startTestApp({
      at: "2026-10-03T08:00:00Z",
      catalogPath: await writeMeteredCatalog({ apiUnitAmountDecimal: "0.002" }),
    });
    ({ api } = await app.signUp());
    const a = (await api.post("/v1/projects", { name: "Website" })).body;
    organizationId = a.organization_id;
    primary = a.billing.billing_account_id;
    const b = (
      await api.post("/v1/projects", {
        name: "Lab",
        organization_id: organizationId,
        billing: { mode: "separate" },
      })
    ).body;
    own = b.billing.billing_account_id;
    const create = async (key: string, project: string, resource_type: string, sku: string) => {
      const r = await api.post("/v1/resources", {
        project_id: project,
        resource_type,
        sku,
        name: key,
      });
      expectStatus(r, 201);
      ids[key] = r.body.id;
    };
    await create("r1", a.id, "flow", "runs");
    await create("r2", a.id, "flow", "runs");
    await create("c1", a.id, "api", "calls");
    await create("p1", a.id, "db", "peak");
    await create("u1", a.id, "app", "users");
    await create("s1", a.id, "seats", "seat");
    await create("r3", b.id, "flow", "runs");
    await create("g1", a.id, "graph", "standard");

    app.clock.set("2026-10-10T00:00:00Z");
    await send("r1", "flow_runs", [
      { value: 100, at: "2026-10-03T09:15:00Z" },
      { value: "250.5", at: "2026-10-04T10:00:00Z" },
      { value: 49.5, at: "2026-10-09T23:59:59Z" },
    ]);
    await send("r2", "flow_runs", [{ value: 1000, at: "2026-10-05T12:00:00Z" }]);
    await send("r3", "flow_runs", [{ value: 7, at: "2026-10-05T12:00:00Z" }]);
    await send(
      "c1",
      "api_calls",
      Array.from({ length: 1250 }, (_, i) => ({
        at: new Date(Date.parse("2026-10-04T00:00:00Z") + i * 60_000).toISOString(),
      })),
    );
    await send("p1", "peak_connections", [
      { value: 5, at: "2026-10-04T01:00:00Z" },
      { value: 42, at: "2026-10-04T02:00:00Z" },
      { value: 17, at: "2026-10-04T03:00:00Z" },
    ]);
    const user = (u: string, at: string) => ({ at, properties: { user: u } });
    await send("u1", "active_users", [
      user("a", "2026-10-04T01:00:00Z"),
      user("b", "2026-10-04T01:10:00Z"),
      user("a", "2026-10-04T01:20:00Z"),
      user("c", "2026-10-04T01:30:00Z"),
      user("a", "2026-10-06T05:00:00Z"),
      user("d", "2026-10-06T05:30:00Z"),
    ]);
    await send("s1", "seats", [
      { value: 10, at: "2026-10-04T09:00:00Z" },
      { value: 3, at: "2026-10-04T12:00:00Z" },
    ]);
    await send("s1", "seats", [{ value: 8, at: "2026-10-04T11:00:00Z" }]);
    // Room for a loaded machine: PGlite starts slowly when other suites run beside it.
  }, 180_000);
  afterAll(async () => {
    await app?.close();
  });

  it("bills usage so far on the charges, the upcoming invoice and the account's items", async () => {
    const charges = (await api.get(`/v1/billing-accounts/${primary}/charges`)).body;
    expect(meteredLines(charges.lines)).toEqual(expectedPrimary);
    // A licensed line beside them, and a total that is their sum.
    const graph = charges.lines.find((l: Line) => l.resource_type === "graph");
    expect(graph.usage_quantity).toBeNull();
    expect(charges.total).toBe(charges.lines.reduce((s: number, l: Line) => s + l.amount, 0));
    expect(charges.total).toBe(graph.amount + primaryMeteredTotal);

    const upcoming = (await api.get(`/v1/billing-accounts/${primary}/upcoming-invoice`)).body;
    expect(meteredLines(upcoming.lines)).toEqual(expectedPrimary);
    // Usage is not extrapolated: only the licensed line grows to the month's end.
    const fullGraph = upcoming.lines.find((l: Line) => l.resource_type === "graph").amount;
    expect(upcoming.total).toBe(fullGraph + primaryMeteredTotal);

    const account = (await api.get(`/v1/billing-accounts/${primary}`)).body;
    const flow = account.items.find((i: Line) => i.resource_type === "flow");
    expect(flow).toMatchObject({ quantity: 2, usage_quantity: "1400", amount: 2800 });

    const other = (await api.get(`/v1/billing-accounts/${own}/charges`)).body;
    expect(meteredLines(other.lines)).toEqual({ "flow/runs": ["7", 14, 1] });
  });

  it("adds metered shares to the costs, every grouping summing to the total", async () => {
    const costs = async (group_by: string) => {
      const r = await api.get(
        `/v1/organizations/${organizationId}/costs?group_by=${group_by}&from=2026-10-01T00:00:00Z&to=2026-11-01T00:00:00Z`,
      );
      expectStatus(r, 200);
      return r.body as {
        total: number;
        groups: { key: string; amount: number; projected_amount: number }[];
      };
    };
    const byResource = await costs("resource");
    const amountOf = (key: string) => byResource.groups.find((g) => g.key === ids[key])?.amount;
    // r1 and r2 share 2,800 by their runs: 400 and 1,000.
    expect([amountOf("r1"), amountOf("r2"), amountOf("r3")]).toEqual([800, 2000, 14]);
    expect([amountOf("c1"), amountOf("p1"), amountOf("u1"), amountOf("s1")]).toEqual([
      3, 2600, 1000, 3000,
    ]);
    for (const group_by of ["project", "resource_type", "resource", "billing_account"]) {
      const c = await costs(group_by);
      expect(c.groups.reduce((s, g) => s + g.amount, 0)).toBe(c.total);
      expect(c.total).toBe(byResource.total);
    }
    const byAccount = await costs("billing_account");
    const charges = (await api.get(`/v1/billing-accounts/${primary}/charges`)).body;
    expect(byAccount.groups.find((g) => g.key === primary)?.amount).toBe(charges.total);
  });

  it("previews a metered SKU by its usage price and who pays, not as 0 a month", async () => {
    const r = await api.post("/v1/pricing/preview", {
      organization_id: organizationId,
      resource_type: "api",
      sku: "calls",
    });
    expectStatus(r, 200);
    expect(r.body.billing_account_id).toBe(primary);
    expect(r.body.usage_price).toMatchObject({
      scheme: "per_unit",
      unit_amount_decimal: "0.002",
      meter: { event_name: "api_calls", aggregation: "count" },
    });
    expect(r.body.usage_price.description).toContain("0.00002 USD per unit of API calls");
    const flow = await api.post("/v1/pricing/preview", {
      organization_id: organizationId,
      resource_type: "flow",
      sku: "runs",
    });
    expect(flow.body.usage_price.description).toContain("0.02 USD per unit of Flow runs");
    const tiers = await api.post("/v1/pricing/preview", {
      organization_id: organizationId,
      resource_type: "seats",
      sku: "seat",
    });
    expect(tiers.body.usage_price).toMatchObject({ scheme: "tiered", tiers_mode: "volume" });
    const licensed = await api.post("/v1/pricing/preview", {
      organization_id: organizationId,
      resource_type: "graph",
      sku: "standard",
    });
    expect(licensed.body.usage_price).toBeNull();
  });

  it("freezes the metered lines on the finalized invoice; a later event never changes it", async () => {
    const before = (await api.get(`/v1/billing-accounts/${primary}/upcoming-invoice`)).body;
    for (const at of ["2026-10-20T00:00:00Z", "2026-10-30T00:00:00Z", "2026-11-01T00:10:00Z"]) {
      app.clock.set(at);
      expectStatus(await api.get("/v1/me"), 200);
    }
    expect((await finalizeDueInvoices({ ctx: app.ctx })).failed).toBe(0);
    const list = (await api.get(`/v1/billing-accounts/${primary}/invoices`)).body.data;
    expect(list).toHaveLength(1);
    const read = async () => (await api.get(`/v1/invoices/${list[0].id}`)).body;
    const invoice = await read();
    expect(meteredLines(invoice.lines)).toEqual(expectedPrimary);
    expect(invoice.total).toBe(before.total);
    const flow = invoice.lines.find((l: Line) => l.resource_type === "flow");
    expect(flow.price_version).toBe(1);
    expect(flow.price.meter).toEqual({ event_name: "flow_runs" });
    expect(
      Object.fromEntries(
        flow.shares.map((s: { resource_id: string; amount: number }) => [s.resource_id, s.amount]),
      ),
    ).toEqual({ [ids.r1 as string]: 800, [ids.r2 as string]: 2000 });
    const costsOfOctober = async () =>
      (
        await api.get(
          `/v1/organizations/${organizationId}/costs?group_by=resource&from=2026-10-01T00:00:00Z&to=2026-11-01T00:00:00Z`,
        )
      ).body;
    const octoberCosts = await costsOfOctober();

    // A late event dated in October: accepted and counted in the usage, but the invoice stays.
    await send("r1", "flow_runs", [{ value: 500, at: "2026-10-20T00:00:00Z" }]);
    const usage = (
      await api.get(
        `/v1/resources/${ids.r1}/usage?event_name=flow_runs&from=2026-10-01T00:00:00Z&to=2026-11-01T00:00:00Z`,
      )
    ).body;
    expect(usage.total).toBe("900");
    expect(await read()).toEqual(invoice);
    expect(await costsOfOctober()).toEqual(octoberCosts);
    // November's invoice-to-be holds no October usage.
    const november = (await api.get(`/v1/billing-accounts/${primary}/upcoming-invoice`)).body;
    expect(meteredLines(november.lines)["flow/runs"]).toEqual(["0", 0, 2]);
    // It bills the late event apart, as an adjustment of October: 500 runs more at 2 cents.
    expect(
      november.lines
        .filter((l: Line) => l.kind === "adjustment")
        .map((l: Line & { adjusts_period: unknown }) => [
          l.resource_type,
          l.adjusts_period,
          l.amount,
        ]),
    ).toEqual([
      ["flow", { start: "2026-10-01T00:00:00.000Z", end: "2026-11-01T00:00:00.000Z" }, 1000],
    ]);
  });

  it("bills each hour of usage once, to the account that held the resource at the hour's end", async () => {
    app.clock.set("2026-11-02T09:00:00Z");
    const c = (await api.post("/v1/projects", { name: "Moving", organization_id: organizationId }))
      .body;
    const r = await api.post("/v1/resources", {
      project_id: c.id,
      resource_type: "flow",
      sku: "runs",
      name: "r4",
    });
    expectStatus(r, 201);
    ids.r4 = r.body.id;
    app.clock.set("2026-11-02T10:30:00Z");
    await send("r4", "flow_runs", [
      { value: 1, at: "2026-11-02T09:05:00Z" },
      { value: 10, at: "2026-11-02T10:10:00Z" },
    ]);
    const moved = await api.put(`/v1/projects/${c.id}/billing`, { mode: "separate" });
    expectStatus(moved, 200);
    const separate = moved.body.billing_account_id as string;
    expect(separate).toBeTruthy();
    app.clock.set("2026-11-02T12:30:00Z");
    await send("r4", "flow_runs", [{ value: 100, at: "2026-11-02T12:00:00Z" }]);

    // The 10:00 hour, cut by the switch at 10:30, goes whole to the new account.
    const flowOf = async (account: string) =>
      meteredLines((await api.get(`/v1/billing-accounts/${account}/charges`)).body.lines)[
        "flow/runs"
      ];
    expect(await flowOf(primary)).toEqual(["1", 2, 3]);
    expect(await flowOf(separate)).toEqual(["110", 220, 1]);
  });

  it("splits a day cut by a billing switch at its hours, whole days going whole to their account", async () => {
    app.clock.set("2026-11-02T12:30:00Z");
    const d = (await api.post("/v1/projects", { name: "Split", organization_id: organizationId }))
      .body;
    for (const [key, resource_type, sku] of [
      ["r5", "flow", "runs"],
      ["s2", "seats", "seat"],
    ] as const) {
      const r = await api.post("/v1/resources", {
        project_id: d.id,
        resource_type,
        sku,
        name: key,
      });
      expectStatus(r, 201);
      ids[key] = r.body.id;
    }
    app.clock.set("2026-11-05T14:30:00Z");
    const moved = await api.put(`/v1/projects/${d.id}/billing`, { mode: "separate" });
    expectStatus(moved, 200);
    const separate = moved.body.billing_account_id as string;
    app.clock.set("2026-11-07T06:00:00Z");
    // One digit per event: each account's sum says which events it billed.
    await send("r5", "flow_runs", [
      { value: 1, at: "2026-11-02T12:40:00Z" },
      { value: 10, at: "2026-11-03T05:00:00Z" },
      { value: 100, at: "2026-11-04T23:59:59Z" },
      { value: 1000, at: "2026-11-05T09:00:00Z" },
      { value: 10000, at: "2026-11-05T14:10:00Z" },
      { value: 100000, at: "2026-11-05T15:00:00Z" },
      { value: 1000000, at: "2026-11-06T00:00:00Z" },
      { value: 10000000, at: "2026-11-07T05:00:00Z" },
    ]);
    // The latest before the switch was sent last; the one in the switch's hour is the new account's.
    await send("s2", "seats", [
      { value: 4, at: "2026-11-03T10:00:00Z" },
      { value: 6, at: "2026-11-05T14:20:00Z" },
    ]);
    await send("s2", "seats", [{ value: 5, at: "2026-11-05T09:00:00Z" }]);

    const lines = async (account: string) =>
      meteredLines((await api.get(`/v1/billing-accounts/${account}/charges`)).body.lines);
    // Before the switch: its day (12:30 on) and whole days, and the switch day's hours before
    // 14:00; r4's 1 run from the test above.
    const before = await lines(primary);
    expect(before["flow/runs"]).toEqual(["1112", 2224, 4]);
    expect(before["seats/seat"]).toEqual(["5", 5 * 1000, 2]);
    // After: the switch's hour, the rest of that day, a whole day and the hours of today.
    const after = await lines(separate);
    expect(after["flow/runs"]).toEqual(["11110000", 22220000, 1]);
    expect(after["seats/seat"]).toEqual(["6", 6 * 800, 1]);
  });

  it("bills an hour switched away and back inside it to the account holding it at its end, and a deletion's part-hour to the last account", async () => {
    app.clock.set("2026-11-07T06:00:00Z");
    const account = async (name: string) => {
      const r = await api.post(`/v1/organizations/${organizationId}/billing-accounts`, { name });
      expectStatus(r, 201);
      return r.body.id as string;
    };
    const home = await account("Home");
    const away = await account("Away");
    const pinTo = (billing_account_id: string) => ({ mode: "separate", billing_account_id });
    const e = await api.post("/v1/projects", {
      name: "Back and forth",
      organization_id: organizationId,
      billing: pinTo(home),
    });
    expectStatus(e, 201);
    const r = await api.post("/v1/resources", {
      project_id: e.body.id,
      resource_type: "flow",
      sku: "runs",
      name: "r6",
    });
    expectStatus(r, 201);
    // Three ledger rows in the 10:00 hour: home until 10:15, away until 10:40, home again.
    app.clock.set("2026-11-07T10:15:00Z");
    expectStatus(await api.put(`/v1/projects/${e.body.id}/billing`, pinTo(away)), 200);
    app.clock.set("2026-11-07T10:40:00Z");
    expectStatus(await api.put(`/v1/projects/${e.body.id}/billing`, pinTo(home)), 200);
    app.clock.set("2026-11-08T15:20:00Z");
    ids.r6 = r.body.id;
    await send("r6", "flow_runs", [
      { value: 1, at: "2026-11-07T06:30:00Z" },
      { value: 10, at: "2026-11-07T10:05:00Z" },
      { value: 100, at: "2026-11-07T10:20:00Z" },
      { value: 1000, at: "2026-11-07T10:50:00Z" },
      { value: 10000, at: "2026-11-08T15:10:00Z" },
    ]);
    // Deleted inside the 15:00 hour: no later row overlaps it, so it stays the last row's.
    expectStatus(await api.delete(`/v1/resources/${r.body.id}`), 204);
    app.clock.set("2026-11-08T18:00:00Z");
    const flowOf = async (id: string) =>
      meteredLines((await api.get(`/v1/billing-accounts/${id}/charges`)).body.lines)["flow/runs"];
    expect(await flowOf(home)).toEqual(["11111", 22222, 1]);
    // Away held the resource only inside an hour that ended on home: a line, without usage.
    expect(await flowOf(away)).toEqual(["0", 0, 1]);
  });
});
