import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { movePriceVersions } from "../../src/billing/move-price-versions.js";
import { type ApiClient, startTestApp, type TestApp } from "../support/test-app.js";
import { testDatabaseAvailable } from "../support/test-database.js";

// Prices change by restarting the app on the same database with another catalog file, as an
// operator would; the app's clock is the test's.
const dir = mkdtempSync(join(tmpdir(), "ktrlplane-price-versions-"));
let files = 0;
function catalog(standard: Record<string, unknown>): string {
  files += 1;
  const path = join(dir, `catalog-${files}.json`);
  writeFileSync(
    path,
    JSON.stringify({
      currency: "usd",
      resource_types: [
        {
          type: "graph",
          name: "Graph database",
          skus: [
            { sku: "free", billing_model: "free" },
            { sku: "standard", billing_model: "per_unit", ...standard },
          ],
        },
      ],
    }),
  );
  return path;
}
const OLD = { unit_amount: 9900 };
const NEW = { unit_amount: 19900 };

interface Tenant {
  email: string;
  organizationId: string;
  accountId: string;
  projectId: string;
}

describe.skipIf(!testDatabaseAvailable)(
  "versioned prices: the past never changes",
  { timeout: 180_000 },
  () => {
    let app: TestApp | undefined;
    afterEach(async () => {
      await app?.close();
      app = undefined;
    });

    async function start(at: string, catalogPath: string): Promise<TestApp> {
      if (app) await app.close({ keepDatabase: true });
      app = await startTestApp({ at, catalogPath, ...(app ? { db: app.db } : {}) });
      return app;
    }

    /** A session for the tenant on the running app (the clock may have passed the idle limit). */
    async function logIn(tenant: Tenant): Promise<ApiClient> {
      const running = app as TestApp;
      const answer = await running.client().post("/v1/auth/login", {
        email: tenant.email,
        password: "correct horse battery",
      });
      expect(answer.status).toBe(200);
      return running.client(answer.body.token);
    }

    async function tenant(): Promise<{ tenant: Tenant; api: ApiClient }> {
      const { api, user } = await (app as TestApp).signUp();
      const project = await api.post("/v1/projects", { name: "Graphs" });
      expect(project.status).toBe(201);
      return {
        api,
        tenant: {
          email: user.email,
          organizationId: project.body.organization_id,
          accountId: project.body.billing.billing_account_id,
          projectId: project.body.id,
        },
      };
    }

    async function createGraph(api: ApiClient, projectId: string, name: string): Promise<string> {
      const created = await api.post("/v1/resources", {
        project_id: projectId,
        resource_type: "graph",
        sku: "standard",
        name,
      });
      expect(created.status).toBe(201);
      return created.body.id;
    }

    async function costs(api: ApiClient, t: Tenant, from: string, to: string) {
      const answer = await api.get(
        `/v1/organizations/${t.organizationId}/costs?from=${from}&to=${to}&group_by=resource`,
      );
      expect(answer.status).toBe(200);
      return answer.body as { total: number; projected_total: number };
    }

    async function lines(api: ApiClient, accountId: string, which: "charges" | "upcoming-invoice") {
      const answer = await api.get(`/v1/billing-accounts/${accountId}/${which}`);
      expect(answer.status).toBe(200);
      return {
        total: answer.body.total as number,
        lines: (
          answer.body.lines as { price_version: number; amount: number; quantity: number }[]
        ).map((l) => [l.price_version, l.amount, l.quantity]),
      };
    }

    async function ledger(resourceIds: string[]) {
      const rows = await (app as TestApp).ctx.db.query<{
        resource_id: string;
        billing_account_id: string;
        price_version: number;
        started_at: Date;
        ended_at: Date | null;
      }>(
        `SELECT resource_id, billing_account_id, price_version, started_at, ended_at
       FROM ktrlplane.billing_intervals WHERE resource_id = ANY($1)
       ORDER BY started_at, ended_at NULLS LAST`,
        [resourceIds],
      );
      // By resource in the order given, then in time.
      return rows
        .map((r) => [
          resourceIds.indexOf(r.resource_id),
          r.billing_account_id,
          r.price_version,
          new Date(r.started_at).toISOString().slice(0, 10),
          r.ended_at ? new Date(r.ended_at).toISOString().slice(0, 10) : null,
        ])
        .sort((a, b) => (a[0] as number) - (b[0] as number));
    }

    async function graphStandard(api: ApiClient) {
      const types = await api.get("/v1/resource-types");
      expect(types.status).toBe(200);
      return types.body.data
        .find((t: { type: string }) => t.type === "graph")
        .skus.find((s: { sku: string }) => s.sku === "standard");
    }

    it("a change before a period end: the closed month stands, the open one is billed at the old price until the boundary and at the new one after; new resources take it at once", async () => {
      await start("2026-10-10T00:00:00Z", catalog(OLD));
      const first = await tenant();
      const t = first.tenant;
      const r1 = await createGraph(first.api, t.projectId, "r1");

      (app as TestApp).clock.set("2026-11-15T00:00:00Z");
      let api = await logIn(t);
      // October: 22 of 31 days at 9,900.
      expect((await costs(api, t, "2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z")).total).toBe(
        7026,
      );
      // November so far: 14 of 30 days.
      expect(await lines(api, t.accountId, "charges")).toEqual({
        total: 4620,
        lines: [[1, 4620, 1]],
      });

      // The price doubles; the app restarts on the same database.
      await start("2026-11-15T00:00:00Z", catalog(NEW));
      api = await logIn(t);
      const sku = await graphStandard(api);
      expect(sku).toMatchObject({
        unit_amount: 19900,
        version: 2,
        scheduled_change: { version: 2, effective_from: "2026-12-01T00:00:00.000Z" },
      });
      expect(
        sku.versions.map((v: Record<string, unknown>) => [
          v.version,
          v.unit_amount,
          v.effective_from,
          v.scheduled,
        ]),
      ).toEqual([
        [1, 9900, null, false],
        [2, 19900, "2026-12-01T00:00:00.000Z", true],
      ]);

      // Nothing billed before the restart changed.
      expect((await costs(api, t, "2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z")).total).toBe(
        7026,
      );
      expect(await lines(api, t.accountId, "charges")).toEqual({
        total: 4620,
        lines: [[1, 4620, 1]],
      });
      // The rest of November stays at the old price for the resource that existed.
      expect(await lines(api, t.accountId, "upcoming-invoice")).toEqual({
        total: 9900,
        lines: [[1, 9900, 1]],
      });

      // The preview says what a new one costs and when the existing one moves.
      const preview = await api.post("/v1/pricing/preview", {
        project_id: t.projectId,
        resource_type: "graph",
        sku: "standard",
      });
      expect(preview.body).toMatchObject({
        monthly_amount: 19900,
        price_version: 2,
        price_version_since: "2026-11-15T00:00:00.000Z",
        scheduled_change: {
          effective_from: "2026-12-01T00:00:00.000Z",
          price_version: 2,
          resources_moving: 1,
          monthly_amount: 19900,
        },
      });

      // A new resource takes the new version at once: 16 of 30 days at 19,900.
      const r2 = await createGraph(api, t.projectId, "r2");
      expect(await lines(api, t.accountId, "upcoming-invoice")).toEqual({
        total: 9900 + 10613,
        lines: [
          [1, 9900, 1],
          [2, 10613, 1],
        ],
      });

      // Past the boundary, before any pass has run: both at the new price from December 1.
      (app as TestApp).clock.set("2026-12-10T00:00:00Z");
      api = await logIn(t);
      // 2 × 19,900 × 9/31
      expect(await lines(api, t.accountId, "charges")).toEqual({
        total: 11555,
        lines: [[2, 11555, 2]],
      });
      expect((await costs(api, t, "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z")).total).toBe(
        20513,
      );

      // The pass writes the move into the ledger: cut at the boundary, same account.
      const moved = await movePriceVersions({ ctx: (app as TestApp).ctx });
      expect(moved.map((m) => [m.move.version, m.moved])).toEqual([[2, 1]]);
      expect(await ledger([r1, r2])).toEqual([
        [0, t.accountId, 1, "2026-10-10", "2026-12-01"],
        [0, t.accountId, 2, "2026-12-01", null],
        [1, t.accountId, 2, "2026-11-15", null],
      ]);
      expect(await movePriceVersions({ ctx: (app as TestApp).ctx })).toEqual([]);
      expect(await lines(api, t.accountId, "charges")).toEqual({
        total: 11555,
        lines: [[2, 11555, 2]],
      });
      expect((await costs(api, t, "2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z")).total).toBe(
        7026,
      );
      expect((await costs(api, t, "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z")).total).toBe(
        20513,
      );
      const account = await api.get(`/v1/billing-accounts/${t.accountId}`);
      expect(account.body.items).toEqual([
        {
          resource_type: "graph",
          sku: "standard",
          price_version: 2,
          quantity: 2,
          unit_amount: 19900,
          usage_quantity: null,
          amount: 39800,
        },
      ]);

      // The same catalog again is no new version.
      await start("2026-12-10T00:00:00Z", catalog(NEW));
      api = await logIn(t);
      expect(await graphStandard(api)).toMatchObject({ version: 2, scheduled_change: null });
      expect(await ledger([r1, r2])).toHaveLength(3);
    });

    it("a change just after a period end: the closed month stands and existing resources move at the next one", async () => {
      await start("2026-11-10T00:00:00Z", catalog(OLD));
      const { tenant: t, api: first } = await tenant();
      await createGraph(first, t.projectId, "r1");

      await start("2026-12-03T00:00:00Z", catalog(NEW));
      let api = await logIn(t);
      // November: 21 of 30 days at 9,900, before and after the restart.
      expect((await costs(api, t, "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z")).total).toBe(
        6930,
      );
      expect(await graphStandard(api)).toMatchObject({
        scheduled_change: { version: 2, effective_from: "2027-01-01T00:00:00.000Z" },
      });
      // December is billed at the old price to its end.
      expect(await lines(api, t.accountId, "upcoming-invoice")).toEqual({
        total: 9900,
        lines: [[1, 9900, 1]],
      });

      (app as TestApp).clock.set("2027-01-05T00:00:00Z");
      api = await logIn(t);
      await movePriceVersions({ ctx: (app as TestApp).ctx });
      expect((await costs(api, t, "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z")).total).toBe(
        9900,
      );
      // January: 4 of 31 days at 19,900.
      expect(await lines(api, t.accountId, "charges")).toEqual({
        total: 2568,
        lines: [[2, 2568, 1]],
      });
    });

    it("grandfathered resources stay on their version; new ones take the new one", async () => {
      await start("2026-11-10T00:00:00Z", catalog(OLD));
      const { tenant: t, api: first } = await tenant();
      const r1 = await createGraph(first, t.projectId, "r1");

      await start("2026-11-15T00:00:00Z", catalog({ ...NEW, grandfathered: true }));
      let api = await logIn(t);
      const sku = await graphStandard(api);
      expect(sku).toMatchObject({ version: 2, scheduled_change: null });
      expect(sku.versions[1]).toMatchObject({
        version: 2,
        grandfathered: true,
        effective_from: null,
        scheduled: false,
      });
      const r2 = await createGraph(api, t.projectId, "r2");

      (app as TestApp).clock.set("2027-01-10T00:00:00Z");
      api = await logIn(t);
      expect(await movePriceVersions({ ctx: (app as TestApp).ctx })).toEqual([]);
      // 9 of 31 days: 9,900 for the grandfathered one, 19,900 for the new one.
      expect(await lines(api, t.accountId, "charges")).toEqual({
        total: 2874 + 5777,
        lines: [
          [1, 2874, 1],
          [2, 5777, 1],
        ],
      });
      expect(await ledger([r1, r2])).toEqual([
        [0, t.accountId, 1, "2026-11-10", null],
        [1, t.accountId, 2, "2026-11-15", null],
      ]);
    });

    it("effective_from moves existing resources at that instant, inside the open period", async () => {
      await start("2026-11-10T00:00:00Z", catalog(OLD));
      const { tenant: t, api: first } = await tenant();
      const r1 = await createGraph(first, t.projectId, "r1");

      await start(
        "2026-11-15T00:00:00Z",
        catalog({ ...NEW, effective_from: "2026-11-20T00:00:00Z" }),
      );
      let api = await logIn(t);
      expect(await graphStandard(api)).toMatchObject({
        scheduled_change: { version: 2, effective_from: "2026-11-20T00:00:00.000Z" },
      });
      const preview = await api.post("/v1/pricing/preview", {
        project_id: t.projectId,
        resource_type: "graph",
        sku: "standard",
      });
      expect(preview.body.scheduled_change).toMatchObject({
        effective_from: "2026-11-20T00:00:00.000Z",
        resources_moving: 1,
      });
      // 10 days at 9,900 then 11 days at 19,900 (of 30).
      expect(await lines(api, t.accountId, "upcoming-invoice")).toEqual({
        total: 3300 + 7297,
        lines: [
          [1, 3300, 0],
          [2, 7297, 1],
        ],
      });

      (app as TestApp).clock.set("2026-11-25T00:00:00Z");
      api = await logIn(t);
      const before = await lines(api, t.accountId, "charges");
      expect(before).toEqual({
        total: 3300 + 3317,
        lines: [
          [1, 3300, 0],
          [2, 3317, 1],
        ],
      });
      await movePriceVersions({ ctx: (app as TestApp).ctx });
      expect(await ledger([r1])).toEqual([
        [0, t.accountId, 1, "2026-11-10", "2026-11-20"],
        [0, t.accountId, 2, "2026-11-20", null],
      ]);
      expect(await lines(api, t.accountId, "charges")).toEqual(before);

      // An effective_from already past when the version is recorded would rewrite what was billed:
      // existing resources move at the restart instead.
      await start(
        "2026-11-26T06:30:00Z",
        catalog({ unit_amount: 29900, effective_from: "2026-11-01T00:00:00Z" }),
      );
      api = await logIn(t);
      expect(await graphStandard(api)).toMatchObject({
        version: 3,
        scheduled_change: null,
      });
      expect((await graphStandard(api)).versions[2].effective_from).toBe(
        "2026-11-26T06:30:00.000Z",
      );
      expect(before.total).toBe(
        (await costs(api, t, "2026-11-01T00:00:00Z", "2026-11-25T00:00:00Z")).total,
      );
    });

    it("moves survive switches and deletes made before the pass, and two passes at once cut once", async () => {
      await start("2026-11-10T00:00:00Z", catalog(OLD));
      const { tenant: t, api: first } = await tenant();
      const r1 = await createGraph(first, t.projectId, "r1");
      const r2 = await createGraph(first, t.projectId, "r2");

      await start("2026-11-15T00:00:00Z", catalog(NEW));
      (app as TestApp).clock.set("2026-11-20T00:00:00Z");
      let api = await logIn(t);
      const switched = await api.put(`/v1/projects/${t.projectId}/billing`, { mode: "separate" });
      expect(switched.status).toBe(200);
      const own: string = switched.body.billing_account_id;

      // After the boundary, before any pass: a delete closes a row still recorded at version 1.
      (app as TestApp).clock.set("2026-12-03T00:00:00Z");
      api = await logIn(t);
      expect((await api.delete(`/v1/resources/${r2}`)).status).toBe(204);
      // 2 × 19,900 × 2/31 from December 1 (r2 still counts in the line's last second).
      const december = await lines(api, own, "charges");
      expect(december).toEqual({ total: 2568, lines: [[2, 2568, 2]] });
      // November: 10 days on the organization's account, 11 on the project's, both at 9,900.
      expect((await costs(api, t, "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z")).total).toBe(
        6600 + 7260,
      );

      const ctx = (app as TestApp).ctx;
      const [a, b] = await Promise.all([movePriceVersions({ ctx }), movePriceVersions({ ctx })]);
      expect([...a, ...b].reduce((sum, o) => sum + o.moved, 0)).toBe(2);
      expect(await ledger([r1, r2])).toEqual([
        [0, t.accountId, 1, "2026-11-10", "2026-11-20"],
        [0, own, 1, "2026-11-20", "2026-12-01"],
        [0, own, 2, "2026-12-01", null],
        [1, t.accountId, 1, "2026-11-10", "2026-11-20"],
        [1, own, 1, "2026-11-20", "2026-12-01"],
        [1, own, 2, "2026-12-01", "2026-12-03"],
      ]);
      expect(await lines(api, own, "charges")).toEqual(december);
      expect((await costs(api, t, "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z")).total).toBe(
        6600 + 7260,
      );
    });

    it("refuses a catalog that gives a changed price the Stripe price of an earlier version", async () => {
      await start("2026-11-10T00:00:00Z", catalog({ ...OLD, stripe_price_id: "price_a" }));
      const db = (app as TestApp).db;
      await (app as TestApp).close({ keepDatabase: true });
      app = undefined;
      try {
        await expect(
          startTestApp({
            at: "2026-11-15T00:00:00Z",
            catalogPath: catalog({ ...NEW, stripe_price_id: "price_a" }),
            db,
          }),
        ).rejects.toThrow(/graph\/standard: stripe_price_id price_a already bills version 1/);
      } finally {
        await db.drop();
      }
    });
  },
);
