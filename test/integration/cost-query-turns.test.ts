import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { seriesValue } from "../support/metrics-text.js";
import type { ApiClient, ApiResponse } from "../support/test-app.js";
import { startTestApp, type TestApp } from "../support/test-app.js";
import { testDatabaseAvailable } from "../support/test-database.js";

// Reads whose work grows with a whole account or organization take the process's turns
// (KTRLPLANE_COST_QUERIES_AT_ONCE); reads of one id's own rows do not. While every turn is held,
// the first wait and the second answer; once the turns free up, each waiting read answers as it
// does alone. Holding the turns makes the wait certain on both databases: PGlite's one connection
// would otherwise run concurrent requests one after another.

describe.skipIf(!testDatabaseAvailable)("cost queries take turns", () => {
  let app: TestApp;
  let owner: { api: ApiClient };
  const ids = { org: "", account: "", project: "", flat: "", tiered: "", metered: "" };

  const waited = async () =>
    seriesValue({
      text: await (await fetch(`${app.url}/metrics`)).text(),
      series: "ktrlplane_cost_queries_waited_total",
    }) ?? Number.NaN;

  beforeAll(async () => {
    app = await startTestApp({
      at: "2026-11-03T00:00:00Z",
      env: { KTRLPLANE_COST_QUERIES_AT_ONCE: "2" },
    });
    owner = await app.signUp();
    const org = (await owner.api.post("/v1/organizations", { name: "Org" })).body;
    ids.org = org.id;
    ids.account = org.primary_billing_account_id;
    ids.project = (
      await owner.api.post("/v1/projects", { name: "p", organization_id: ids.org })
    ).body.id;
    for (const [key, resource_type, sku] of [
      ["flat", "graph", "standard"],
      ["tiered", "storage", "standard"],
      ["metered", "flow", "runs"],
    ] as const) {
      for (let i = 0; i < 3; i++) {
        const created = await owner.api.post("/v1/resources", {
          project_id: ids.project,
          resource_type,
          sku,
          name: `${key}${i}`,
        });
        expect(created.status).toBe(201);
        ids[key] = created.body.id;
      }
    }
    app.clock.set(new Date("2026-11-10T07:30:00Z"));
    const sent = await owner.api.post("/v1/usage", {
      events: [1, 2, 3].map((day) => ({
        id: `run-${day}`,
        resource_id: ids.metered,
        event_name: "flow_runs",
        value: 10 * day,
        timestamp: `2026-11-0${day + 3}T12:00:00Z`,
      })),
    });
    expect(sent.body.accepted).toBe(3);
  });
  afterAll(async () => {
    await app?.close();
  });

  it("reads of a whole account or organization wait while every turn is taken, then answer as alone; reads of one id do not wait", async () => {
    const heavy = [
      `/v1/billing-accounts/${ids.account}/upcoming-invoice`,
      `/v1/billing-accounts/${ids.account}/charges`,
      `/v1/billing-accounts/${ids.account}`,
      `/v1/organizations/${ids.org}/billing-accounts`,
      `/v1/organizations/${ids.org}/usage?group_by=resource`,
      `/v1/organizations/${ids.org}/costs?group_by=resource`,
      `/v1/resources/${ids.tiered}/costs`,
      `/v1/resources/${ids.metered}/costs`,
    ];
    const cheap = [
      `/v1/resources/${ids.flat}/costs`,
      `/v1/resources/${ids.metered}`,
      `/v1/resources/${ids.metered}/usage?event_name=flow_runs`,
      `/v1/billing-accounts/${ids.account}/invoices`,
      `/v1/organizations/${ids.org}/projects`,
    ];
    const before = await waited();
    const alone = new Map<string, ApiResponse>();
    for (const path of heavy) {
      const answer = await owner.api.get(path);
      expect(answer.status, path).toBe(200);
      alone.set(path, answer);
    }
    expect(alone.get(heavy[0] as string)?.body.total).toBeGreaterThan(0);
    expect(await waited()).toBe(before);

    let free = () => {};
    const gate = new Promise<void>((resolve) => {
      free = resolve;
    });
    const held = [app.ctx.costQueryTurns(() => gate), app.ctx.costQueryTurns(() => gate)];
    try {
      let answered = 0;
      const together = heavy.flatMap((path) =>
        Array.from({ length: 6 }, () =>
          owner.api.get(path).then((answer) => {
            answered++;
            return { path, answer };
          }),
        ),
      );
      await vi.waitFor(async () => expect(await waited()).toBe(before + together.length), {
        timeout: 5000,
        interval: 20,
      });
      for (const path of cheap) {
        expect((await owner.api.get(path)).status, path).toBe(200);
      }
      // A request whose range or cursor is bad is refused before it would wait.
      for (const [path, field] of [
        [
          `/v1/organizations/${ids.org}/usage?from=2026-11-05T00:00:00Z&to=2026-11-01T00:00:00Z`,
          "to",
        ],
        [`/v1/organizations/${ids.org}/usage?cursor=nonsense`, "cursor"],
        [
          `/v1/organizations/${ids.org}/costs?from=2026-11-05T00:00:00Z&to=2026-11-01T00:00:00Z`,
          "to",
        ],
      ]) {
        const refused = await owner.api.get(path as string);
        expect([refused.status, refused.body.field], path).toEqual([422, field]);
      }
      expect(await waited()).toBe(before + together.length);
      expect(answered).toBe(0);

      free();
      await Promise.all(held);
      for (const { path, answer } of await Promise.all(together)) {
        expect(answer.status, path).toBe(200);
        expect(answer.body, path).toEqual(alone.get(path)?.body);
      }
    } finally {
      free();
    }
  });

  it("a rename commits before its answer waits for a turn, holding no lock: a second rename of the account goes through meanwhile", async () => {
    const before = await waited();
    let free = () => {};
    const gate = new Promise<void>((resolve) => {
      free = resolve;
    });
    const held = [app.ctx.costQueryTurns(() => gate), app.ctx.costQueryTurns(() => gate)];
    try {
      const path = `/v1/billing-accounts/${ids.account}`;
      const rename = (name: string) =>
        owner.api.send("PATCH", path, JSON.stringify({ name }), {
          "content-type": "application/json",
        });
      const first = rename("Renamed once");
      await vi.waitFor(async () => expect(await waited()).toBe(before + 1), { interval: 20 });
      // Had the first kept its transaction open while it waits, the second would wait on its lock
      // and never reach the queue.
      const second = rename("Renamed twice");
      await vi.waitFor(async () => expect(await waited()).toBe(before + 2), { interval: 20 });
      free();
      await Promise.all(held);
      const answers = await Promise.all([first, second]);
      expect(answers.map((a) => [a.status, a.body.name])).toEqual([
        [200, "Renamed once"],
        [200, "Renamed twice"],
      ]);
      expect((await owner.api.get(path)).body.name).toBe("Renamed twice");
    } finally {
      free();
    }
  });
});
