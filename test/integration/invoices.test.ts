import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { createContext } from "../../src/context.js";
import { latestVersion, priceVersion } from "../../src/domain/price-versions.js";
import { finalizeDueInvoices } from "../../src/invoices/finalize-due-invoices.js";
import { finalizeInvoice } from "../../src/invoices/finalize-invoice.js";
import { startReconciler } from "../../src/worker/reconciler-loop.js";
import { inviteAndAccept } from "../support/invite.js";
import {
  resourceTotalsFromShares,
  storedResourceTotals,
} from "../support/invoice-resource-totals.js";
import type { ApiClient } from "../support/test-app.js";
import { moveClockAsUser, startTestApp, type TestApp } from "../support/test-app.js";
import { testDatabaseAvailable } from "../support/test-database.js";

interface UpcomingLine {
  kind: "charge" | "adjustment";
  adjusts_period: { start: string; end: string } | null;
  recomputed_amount: number | null;
  invoiced_amount: number | null;
  resource_type: string;
  sku: string;
  description: string;
  price_version: number;
  quantity: number;
  usage_quantity: string | null;
  amount: number;
}

/** Every row of the invoice tables, in a stable order: to prove that nothing changed. */
async function invoiceRows(app: TestApp) {
  const db = app.ctx.db;
  return {
    invoices: await db.query("SELECT * FROM ktrlplane.invoices ORDER BY id"),
    lines: await db.query("SELECT * FROM ktrlplane.invoice_lines ORDER BY invoice_id, line_no"),
    shares: await db.query(
      "SELECT * FROM ktrlplane.invoice_line_shares ORDER BY invoice_id, line_no, resource_id, project_id",
    ),
    totals: await db.query(
      "SELECT * FROM ktrlplane.invoice_group_totals ORDER BY invoice_id, project_id, resource_type",
    ),
    resourceTotals: await storedResourceTotals(db),
  };
}

/**
 * The shares of the invoices for the months in [from, to) summed by project, resource or their
 * line's type, straight from the shares.
 */
async function sharesBy(options: {
  app: TestApp;
  column: "project_id" | "resource_id" | "resource_type";
  from: string;
  to: string;
}) {
  const key = options.column === "resource_type" ? "l.resource_type" : `s.${options.column}`;
  const found = await options.app.ctx.db.query<{ key: string; amount: string }>(
    `SELECT ${key} AS key, sum(s.amount) AS amount
     FROM ktrlplane.invoices i
     JOIN ktrlplane.invoice_line_shares s ON s.invoice_id = i.id
     JOIN ktrlplane.invoice_lines l ON l.invoice_id = s.invoice_id AND l.line_no = s.line_no
     WHERE i.period_start >= $1 AND i.period_end <= $2 GROUP BY 1`,
    [options.from, options.to],
  );
  return new Map(found.map((r) => [r.key, Number(r.amount)]));
}

describe.skipIf(!testDatabaseAvailable)("finalized invoices", () => {
  let app: TestApp;
  let api: ApiClient;
  let organizationId: string;
  let primary: string;
  let department: string;
  let own: string;
  let projectA: string;
  let projectB: string;
  const upcoming = new Map<string, { lines: UpcomingLine[]; total: number }>();

  beforeAll(async () => {
    app = await startTestApp({ at: "2026-10-03T08:00:00Z" });
    ({ api } = await app.signUp());
    const a = (await api.post("/v1/projects", { name: "Website" })).body;
    projectA = a.id;
    organizationId = a.organization_id;
    primary = a.billing.billing_account_id;
    department = (
      await api.post(`/v1/organizations/${organizationId}/billing-accounts`, { name: "Research" })
    ).body.id;
    const b = (
      await api.post("/v1/projects", {
        name: "Lab",
        organization_id: organizationId,
        billing: { mode: "separate" },
      })
    ).body;
    projectB = b.id;
    own = b.billing.billing_account_id;
    expect(new Set([primary, department, own]).size).toBe(3);
  });
  afterAll(async () => {
    await app?.close();
  });

  const create = async (project: string, resource_type: string, sku: string, name: string) => {
    const r = await api.post("/v1/resources", { project_id: project, resource_type, sku, name });
    expect(r.status).toBe(201);
    return r.body.id as string;
  };
  const switchTo = async (project: string, body: unknown) => {
    expect((await api.put(`/v1/projects/${project}/billing`, body)).status).toBe(200);
  };
  const moveTo = (at: string) => moveClockAsUser({ app, api, at });
  const invoicesOf = async (account: string) => {
    const r = await api.get(`/v1/billing-accounts/${account}/invoices`);
    expect(r.status).toBe(200);
    return r.body.data as {
      id: string;
      number: string;
      total: number;
      period: { start: string };
    }[];
  };

  it("finalizes each account's month into what the upcoming invoice said at its end, line by line", async () => {
    // October: creates, deletes and switches at odd instants.
    const g1 = await create(projectA, "graph", "standard", "db-1");
    await create(projectA, "storage", "standard", "bucket-1");
    await create(projectA, "graph", "free", "free-db");
    app.clock.advance({ days: 4, seconds: 3_717 });
    const g2 = await create(projectA, "graph", "standard", "db-2");
    await create(projectB, "flow", "standard", "flow-1");
    await create(projectB, "storage", "archive", "cold-1");
    app.clock.advance({ days: 6, seconds: 41 });
    await switchTo(projectA, { mode: "separate", billing_account_id: department });
    app.clock.advance({ days: 3, seconds: 9_999 });
    expect((await api.delete(`/v1/resources/${g1}`)).status).toBe(204);
    await create(projectA, "storage", "standard", "bucket-2");
    app.clock.advance({ days: 5, seconds: 123 });
    await switchTo(projectA, { mode: "inherit" });
    app.clock.advance({ days: 2, seconds: 77 });
    await switchTo(projectB, { mode: "inherit" });
    app.clock.advance({ days: 1, seconds: 5 });
    await switchTo(projectB, { mode: "separate", billing_account_id: own });
    app.clock.advance({ days: 4 });
    expect((await api.delete(`/v1/resources/${g2}`)).status).toBe(204);
    await create(projectB, "graph", "performance", "perf-1");

    // The end of the month: what the upcoming invoice announces, nothing changing after.
    app.clock.set("2026-10-31T23:59:59Z");
    for (const account of [primary, department, own]) {
      const r = await api.get(`/v1/billing-accounts/${account}/upcoming-invoice`);
      expect(r.status).toBe(200);
      expect(r.body.period.start).toBe("2026-10-01T00:00:00.000Z");
      expect(r.body.lines.length).toBeGreaterThan(0);
      upcoming.set(account, { lines: r.body.lines, total: r.body.total });
    }

    // Not yet: the period has just closed, late ledger writes may still be committing.
    app.clock.set("2026-11-01T00:01:00Z");
    expect((await finalizeDueInvoices({ ctx: app.ctx })).finalized).toBe(0);
    expect(await invoicesOf(primary)).toEqual([]);

    app.clock.set("2026-11-01T00:10:00Z");
    const round = await finalizeDueInvoices({ ctx: app.ctx });
    expect(round).toMatchObject({ finalized: 3, failed: 0 });

    for (const account of [primary, department, own]) {
      const list = await invoicesOf(account);
      expect(list).toHaveLength(1);
      const summary = list[0] as (typeof list)[number];
      expect(summary.number).toMatch(/^[0-9A-Z]{8}-0001$/);
      const invoice = (await api.get(`/v1/invoices/${summary.id}`)).body;
      const expected = upcoming.get(account) as { lines: UpcomingLine[]; total: number };
      expect(invoice.period).toEqual({
        start: "2026-10-01T00:00:00.000Z",
        end: "2026-11-01T00:00:00.000Z",
      });
      expect(invoice.total).toBe(expected.total);
      expect(summary.total).toBe(expected.total);
      expect(
        invoice.lines.map((l: UpcomingLine) => ({
          kind: l.kind,
          adjusts_period: l.adjusts_period,
          recomputed_amount: l.recomputed_amount,
          invoiced_amount: l.invoiced_amount,
          resource_type: l.resource_type,
          sku: l.sku,
          description: l.description,
          price_version: l.price_version,
          quantity: l.quantity,
          usage_quantity: l.usage_quantity,
          amount: l.amount,
        })),
      ).toEqual(expected.lines);
      for (const line of invoice.lines) {
        // The whole price definition as it was, and shares summing to the line exactly.
        expect(line.price).toEqual(
          JSON.parse(
            JSON.stringify(priceVersion(app.ctx.catalog.prices, line, line.price_version).price),
          ),
        );
        expect(line.shares.reduce((t: number, s: { amount: number }) => t + s.amount, 0)).toBe(
          line.amount,
        );
        expect(line.shares.length).toBeGreaterThan(0);
      }
      expect(invoice.projects.reduce((t: number, p: { amount: number }) => t + p.amount, 0)).toBe(
        invoice.total,
      );
    }
    // Website ran on all three accounts in October: each invoice shows its share of it.
    const departmentInvoice = (
      await api.get(`/v1/invoices/${(await invoicesOf(department))[0]?.id}`)
    ).body;
    expect(departmentInvoice.projects.map((p: { project_name: string }) => p.project_name)).toEqual(
      ["Website"],
    );
  });

  it("finalizes nothing new when run again, or in two processes at once", async () => {
    const before = await invoiceRows(app);
    expect(before.invoices).toHaveLength(3);
    const again = await Promise.all([
      finalizeDueInvoices({ ctx: app.ctx }),
      finalizeDueInvoices({ ctx: app.ctx }),
    ]);
    expect(again.map((r) => r.finalized)).toEqual([0, 0]);
    // Even asked directly for the period: the invoice is there already.
    const outcome = await finalizeInvoice({
      ctx: app.ctx,
      billingAccountId: primary,
      period: { start: new Date("2026-10-01T00:00:00Z"), end: new Date("2026-11-01T00:00:00Z") },
    });
    expect(outcome.kind).toBe("existing");
    expect(await invoiceRows(app)).toEqual(before);
  });

  it("costs of the closed month equal the invoices, per account, project and resource", async () => {
    const month = "from=2026-10-01T00:00:00Z&to=2026-11-01T00:00:00Z";
    const byAccount = (
      await api.get(`/v1/organizations/${organizationId}/costs?${month}&group_by=billing_account`)
    ).body;
    let invoiced = 0;
    for (const account of [primary, department, own]) {
      const [invoice] = await invoicesOf(account);
      const group = byAccount.groups.find((g: { key: string }) => g.key === account);
      expect(group.amount).toBe(invoice?.total);
      expect(group.projected_amount).toBe(invoice?.total);
      invoiced += invoice?.total ?? 0;
    }
    expect(byAccount.total).toBe(invoiced);
    expect(byAccount.projected_total).toBe(invoiced);
    for (const groupBy of ["project", "resource", "resource_type"] as const) {
      const costs = (
        await api.get(`/v1/organizations/${organizationId}/costs?${month}&group_by=${groupBy}`)
      ).body;
      expect(costs.total).toBe(invoiced);
      expect(costs.groups.reduce((t: number, g: { amount: number }) => t + g.amount, 0)).toBe(
        invoiced,
      );
      // By project and by type the costs read the shares' totals (migration 029), by resource
      // their running sums (032): each group is still what its frozen shares sum to, and so is
      // every stored total.
      const column = (
        { project: "project_id", resource: "resource_id", resource_type: "resource_type" } as const
      )[groupBy];
      expect(
        new Map(costs.groups.map((g: { key: string; amount: number }) => [g.key, g.amount])),
      ).toEqual(
        await sharesBy({ app, column, from: "2026-10-01T00:00:00Z", to: "2026-11-01T00:00:00Z" }),
      );
    }
    expect(await storedResourceTotals(app.ctx.db)).toEqual(
      await resourceTotalsFromShares(app.ctx.db),
    );
    const totals = `SELECT invoice_id, project_id, resource_type, amount::bigint AS amount
      FROM ktrlplane.invoice_group_totals ORDER BY 1, 2, 3`;
    const recomputed = `SELECT s.invoice_id, s.project_id, l.resource_type, sum(s.amount)::bigint AS amount
      FROM ktrlplane.invoice_line_shares s
      JOIN ktrlplane.invoice_lines l ON l.invoice_id = s.invoice_id AND l.line_no = s.line_no
      GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`;
    expect(await app.ctx.db.query(totals)).toEqual(await app.ctx.db.query(recomputed));
    // A window over the closed month and the open one: frozen part + ledger part, still exact.
    const wide = (
      await api.get(
        `/v1/organizations/${organizationId}/costs?from=2026-10-01T00:00:00Z&to=2026-12-01T00:00:00Z&group_by=project`,
      )
    ).body;
    const november = (
      await api.get(
        `/v1/organizations/${organizationId}/costs?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z&group_by=project`,
      )
    ).body;
    expect(wide.total).toBe(invoiced + november.total);
    expect(wide.projected_total).toBe(invoiced + november.projected_total);
  });

  it("keeps invoices and their costs unchanged after a price change and a restart", async () => {
    const before = await invoiceRows(app);
    const month = "from=2026-10-01T00:00:00Z&to=2026-11-01T00:00:00Z&group_by=project";
    const costsBefore = (await api.get(`/v1/organizations/${organizationId}/costs?${month}`)).body;

    // A restart with a new catalog: graph/standard costs twice as much from now on.
    const dir = await mkdtemp(path.join(tmpdir(), "ktrlplane-catalog-"));
    const catalog = JSON.parse(
      await readFile(path.join(process.cwd(), "src/catalog/default-catalog.json"), "utf8"),
    );
    const graph = catalog.resource_types.find((t: { type: string }) => t.type === "graph");
    graph.skus.find((s: { sku: string }) => s.sku === "standard").unit_amount = 19_800;
    const catalogPath = path.join(dir, "catalog.json");
    await writeFile(catalogPath, JSON.stringify(catalog));
    const restarted = await createContext({
      config: loadConfig({ LOG_LEVEL: "silent", KTRLPLANE_CATALOG: catalogPath }),
      db: app.ctx.db,
      clock: app.clock.now,
    });
    const latest = latestVersion(restarted.catalog.prices, {
      resource_type: "graph",
      sku: "standard",
    });
    expect(latest?.price.unit_amount).toBe(19_800);
    expect(latest?.version).toBe(2);
    expect((await finalizeDueInvoices({ ctx: restarted })).finalized).toBe(0);
    expect(await invoiceRows(app)).toEqual(before);
    const costsAfter = (await api.get(`/v1/organizations/${organizationId}/costs?${month}`)).body;
    expect(costsAfter).toEqual(costsBefore);
    const [invoice] = await invoicesOf(primary);
    const detail = (await api.get(`/v1/invoices/${invoice?.id}`)).body;
    const line = detail.lines.find(
      (l: { sku: string; resource_type: string }) =>
        l.sku === "standard" && l.resource_type === "graph",
    );
    expect(line.price.unit_amount).toBe(9_900);
    expect(line.price_version).toBe(1);
  });

  it("names the paying account as it was when the invoice was finalized, after a rename too", async () => {
    const [invoice] = await invoicesOf(primary);
    const before = (await api.get(`/v1/invoices/${invoice?.id}`)).body;
    const renamed = await api.send(
      "PATCH",
      `/v1/billing-accounts/${primary}`,
      JSON.stringify({ name: "Renamed after the fact" }),
      { "content-type": "application/json" },
    );
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe("Renamed after the fact");
    const after = (await api.get(`/v1/invoices/${invoice?.id}`)).body;
    expect(after.billing_account).toEqual(before.billing_account);
    expect(after.billing_account.name).not.toBe("Renamed after the fact");
  });

  it("refuses any change to a finalized invoice in the database itself", async () => {
    const before = await invoiceRows(app);
    await expect(
      app.ctx.db.query("UPDATE ktrlplane.invoices SET total = total + 1"),
    ).rejects.toThrow(/never change/);
    await expect(app.ctx.db.query("UPDATE ktrlplane.invoice_lines SET amount = 0")).rejects.toThrow(
      /never change/,
    );
    await expect(app.ctx.db.query("DELETE FROM ktrlplane.invoice_line_shares")).rejects.toThrow(
      /never change/,
    );
    await expect(
      app.ctx.db.query("UPDATE ktrlplane.invoice_group_totals SET amount = amount + 1"),
    ).rejects.toThrow(/never change/);
    await expect(app.ctx.db.query("DELETE FROM ktrlplane.invoices")).rejects.toThrow(
      /never change/,
    );
    // The running sums per resource only grow by a later month, as finalization appends it.
    for (const rewrite of [
      "UPDATE ktrlplane.invoice_resource_totals SET cumulative[1] = cumulative[1] + 1",
      "UPDATE ktrlplane.invoice_resource_totals SET cumulative = array_fill(0::bigint, ARRAY[10]) || cumulative",
      "UPDATE ktrlplane.invoice_resource_totals SET months = months | 1",
      "DELETE FROM ktrlplane.invoice_resource_totals",
    ]) {
      await expect(app.ctx.db.query(rewrite)).rejects.toThrow(/never change/);
    }
    expect(await invoiceRows(app)).toEqual(before);
  });

  it("numbers each account's invoices gaplessly, in period order; the worker finalizes at month end", async () => {
    // November runs on; the department account has nothing left on it after October.
    await moveTo("2026-11-20T10:00:00Z");
    await create(projectA, "flow", "standard", "flow-2");
    await moveTo("2026-12-01T00:30:00Z");
    const reconciler = startReconciler({
      ctx: app.ctx,
      debounceMs: 0,
      maxWaitMs: 0,
      pollMs: 20,
      fullSyncIntervalMs: 3_600_000,
      concurrency: 1,
    });
    try {
      const deadline = Date.now() + 20_000;
      while ((await invoicesOf(own)).length < 2 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await reconciler.stop();
    }
    const numbers = async (account: string) => (await invoicesOf(account)).map((i) => i.number);
    const prefixOf = (n: string | undefined) => n?.split("-")[0];
    const primaryNumbers = await numbers(primary);
    expect(primaryNumbers.map((n) => n.split("-")[1])).toEqual(["0002", "0001"]);
    expect(new Set(primaryNumbers.map(prefixOf)).size).toBe(1);
    expect((await numbers(own)).map((n) => n.split("-")[1])).toEqual(["0002", "0001"]);
    // Nothing billed in November on the department account: no invoice for it.
    expect((await numbers(department)).map((n) => n.split("-")[1])).toEqual(["0001"]);
    expect(prefixOf((await numbers(own))[0])).not.toBe(prefixOf(primaryNumbers[0]));
    const [november] = await invoicesOf(primary);
    expect(november?.period.start).toBe("2026-11-01T00:00:00.000Z");

    // Paging, newest first.
    const page1 = (await api.get(`/v1/billing-accounts/${primary}/invoices?limit=1`)).body;
    expect(page1.data.map((i: { number: string }) => i.number)).toEqual([primaryNumbers[0]]);
    const page2 = (
      await api.get(`/v1/billing-accounts/${primary}/invoices?limit=1&cursor=${page1.next_cursor}`)
    ).body;
    expect(page2.data.map((i: { number: string }) => i.number)).toEqual([primaryNumbers[1]]);
    expect(page2.next_cursor).toBeNull();
  });

  it("catches up on every period that closed while no worker ran", async () => {
    // Three months later, nothing ran meanwhile: each closed month gets its invoice at once.
    await moveTo("2027-03-02T00:00:00Z");
    const before = (await invoiceRows(app)).invoices.length;
    // Two workers at once (on PostgreSQL, really concurrent transactions): each period once.
    const rounds = await Promise.all([
      finalizeDueInvoices({ ctx: app.ctx }),
      finalizeDueInvoices({ ctx: app.ctx }),
    ]);
    expect(rounds.map((r) => r.failed)).toEqual([0, 0]);
    const after = (await invoiceRows(app)).invoices.length;
    expect(after - before).toBe(6);
    expect(rounds[0].finalized + rounds[1].finalized).toBe(6);
    const primaryList = await invoicesOf(primary);
    expect(primaryList.map((i) => i.period.start)).toEqual([
      "2027-02-01T00:00:00.000Z",
      "2027-01-01T00:00:00.000Z",
      "2026-12-01T00:00:00.000Z",
      "2026-11-01T00:00:00.000Z",
      "2026-10-01T00:00:00.000Z",
    ]);
    expect(primaryList.map((i) => i.number.split("-")[1])).toEqual([
      "0005",
      "0004",
      "0003",
      "0002",
      "0001",
    ]);
    expect(await invoicesOf(department)).toHaveLength(1);

    // Costs by resource over closed months across the new year are the invoices' shares, summed
    // from the running sums of each year; a window cut mid-month adds the ledger's stretches.
    expect(await storedResourceTotals(app.ctx.db)).toEqual(
      await resourceTotalsFromShares(app.ctx.db),
    );
    const byResource = async (from: string, to: string) => {
      const r = await api.get(
        `/v1/organizations/${organizationId}/costs?group_by=resource&limit=1000&from=${from}&to=${to}`,
      );
      expect(r.status).toBe(200);
      return new Map<string, number>(
        r.body.groups.map((g: { key: string; amount: number }) => [g.key, g.amount]),
      );
    };
    const closed = await byResource("2026-11-01T00:00:00Z", "2027-02-01T00:00:00Z");
    expect(closed).toEqual(
      await sharesBy({
        app,
        column: "resource_id",
        from: "2026-11-01T00:00:00Z",
        to: "2027-02-01T00:00:00Z",
      }),
    );
    const parts = [
      await byResource("2026-10-20T13:00:00Z", "2026-11-01T00:00:00Z"),
      closed,
      await byResource("2027-02-01T00:00:00Z", "2027-02-11T07:30:00Z"),
    ];
    const summed = new Map<string, number>();
    for (const part of parts) {
      for (const [key, amount] of part) summed.set(key, (summed.get(key) ?? 0) + amount);
    }
    expect(await byResource("2026-10-20T13:00:00Z", "2027-02-11T07:30:00Z")).toEqual(summed);
  });

  it("shows invoices only to those who may read the account's charges; other tenants get 404", async () => {
    const [invoice] = await invoicesOf(primary);
    const stranger = (await app.signUp()).api;
    expect((await stranger.get(`/v1/invoices/${invoice?.id}`)).status).toBe(404);
    expect((await stranger.get(`/v1/billing-accounts/${primary}/invoices`)).status).toBe(404);
    expect((await stranger.get("/v1/invoices/inv_nothing")).status).toBe(404);
    expect((await app.client().get(`/v1/invoices/${invoice?.id}`)).status).toBe(401);
    // A viewer of the organization reads charges, and so invoices.
    const viewer = await app.signUp();
    expect(
      (
        await inviteAndAccept({
          by: api,
          path: `/v1/organizations/${organizationId}/members`,
          who: viewer,
          role: "viewer",
        })
      ).status,
    ).toBe(200);
    const charges = await viewer.api.get(`/v1/billing-accounts/${primary}/charges`);
    const seen = await viewer.api.get(`/v1/invoices/${invoice?.id}`);
    expect(seen.status).toBe(charges.status);
  });
});
