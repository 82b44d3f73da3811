import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seriesValue } from "../support/metrics-text.js";
import { statementCounter } from "../support/statement-counter.js";
import type { ApiClient, ApiResponse } from "../support/test-app.js";
import { startTestApp, type TestApp } from "../support/test-app.js";
import { testDatabaseAvailable, testDatabaseKind } from "../support/test-database.js";

// Costs grouped by resource page like every list, and one resource's cost is a read of its own:
// neither grows with the organization. (Exactness against the raw ledger, paged and per resource,
// is held by costs-from-database.property.test.ts.)

type Group = { key: string; amount: number; projected_amount: number };

describe.skipIf(!testDatabaseAvailable)("costs: pages of groups, one resource's cost", () => {
  const counter = statementCounter();
  let app: TestApp;
  let owner: { api: ApiClient };
  const small = { org: "", resource: "" };
  const large = { org: "", resource: "" };

  beforeAll(async () => {
    app = await startTestApp({ at: "2026-11-03T00:00:00Z", wrapDatabase: counter.wrap });
    owner = await app.signUp();
    for (const [org, count] of [
      [small, 1],
      [large, 30],
    ] as const) {
      org.org = (await owner.api.post("/v1/organizations", { name: "Org" })).body.id;
      const project = (
        await owner.api.post("/v1/projects", { name: "p", organization_id: org.org })
      ).body.id;
      for (let i = 0; i < count; i++) {
        const created = await owner.api.post("/v1/resources", {
          project_id: project,
          resource_type: i % 2 ? "flow" : "graph",
          sku: "standard",
          name: `r${i}`,
        });
        expect(created.status).toBe(201);
        org.resource = created.body.id;
      }
    }
    app.clock.set(new Date("2026-11-10T07:30:00Z"));
  });
  afterAll(async () => {
    await app?.close();
  });

  it("walks every group once, largest first; each page carries the whole window's totals", async () => {
    const path = `/v1/organizations/${large.org}/costs?group_by=resource`;
    const whole = await owner.api.get(path);
    expect(whole.status).toBe(200);
    expect(whole.body.groups).toHaveLength(30);
    expect(whole.body.next_cursor).toBeNull();
    const walked: Group[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: ApiResponse = await owner.api.get(
        `${path}&limit=7${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.total).toBe(whole.body.total);
      expect(page.body.projected_total).toBe(whole.body.projected_total);
      walked.push(...page.body.groups);
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(5);
    expect(walked).toEqual(whole.body.groups);
    expect(new Set(walked.map((g) => g.key)).size).toBe(30);
    for (let i = 1; i < walked.length; i++) {
      const [a, b] = [walked[i - 1] as Group, walked[i] as Group];
      expect(a.projected_amount > b.projected_amount || a.key < b.key).toBe(true);
    }
    expect(walked.reduce((s, g) => s + g.projected_amount, 0)).toBe(whole.body.projected_total);
    expect(whole.body.total).toBeGreaterThan(0);
  });

  it("refuses a malformed cursor and a page over 1000, naming the field", async () => {
    for (const cursor of ["not-a-cursor", "W10", Buffer.from('["1","x"]').toString("base64url")]) {
      const refused = await owner.api.get(
        `/v1/organizations/${large.org}/costs?group_by=resource&cursor=${cursor}`,
      );
      expect(refused.status).toBe(422);
      expect(refused.body).toMatchObject({ code: "validation_failed", field: "cursor" });
    }
    const tooMany = await owner.api.get(`/v1/organizations/${large.org}/costs?limit=1001`);
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.field).toBe("limit");
  });

  it("reads one resource's cost: its share, in as many statements in a large organization as in a small one", async () => {
    const grouped = await owner.api.get(
      `/v1/organizations/${large.org}/costs?group_by=resource&limit=1000`,
    );
    const own = await owner.api.get(`/v1/resources/${large.resource}/costs`);
    expect(own.status).toBe(200);
    const group = grouped.body.groups.find((g: Group) => g.key === large.resource) as Group;
    // Its line at a flat price holds its seconds alone: within one minor unit of its share of
    // the account's line (15 resources of the price share it).
    expect(Math.abs(own.body.amount - group.amount)).toBeLessThanOrEqual(1);
    expect(Math.abs(own.body.projected_amount - group.projected_amount)).toBeLessThanOrEqual(1);
    expect(own.body).toMatchObject({ resource_id: large.resource, currency: "usd" });
    expect(own.body.projected_amount).toBeGreaterThan(own.body.amount);

    const few = await counter.statementsOf(() =>
      owner.api.get(`/v1/resources/${small.resource}/costs`),
    );
    const many = await counter.statementsOf(() =>
      owner.api.get(`/v1/resources/${large.resource}/costs`),
    );
    expect(many).toBe(few);
    const stranger = await app.signUp();
    expect((await stranger.api.get(`/v1/resources/${large.resource}/costs`)).status).toBe(404);
  });

  // On PGlite one connection runs every statement in turn, so requests never overlap there.
  it.skipIf(testDatabaseKind === "pglite")(
    "runs at most KTRLPLANE_COST_QUERIES_AT_ONCE breakdowns at a time: the rest wait their turn and all answer",
    async () => {
      const waited = async () =>
        seriesValue({
          text: await (await fetch(`${app.url}/metrics`)).text(),
          series: "ktrlplane_cost_queries_waited_total",
        }) ?? Number.NaN;
      const before = await waited();
      const path = `/v1/organizations/${large.org}/costs?group_by=resource`;
      const alone = await owner.api.get(path);
      expect(await waited()).toBe(before);
      // Six at once against the default one turn: five of them find it taken.
      const together = await Promise.all(Array.from({ length: 6 }, () => owner.api.get(path)));
      for (const answer of together) {
        expect(answer.status).toBe(200);
        expect(answer.body).toEqual(alone.body);
      }
      expect(await waited()).toBeGreaterThanOrEqual(before + 1);
    },
  );
});
