import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { markLateUsage } from "../../src/db/late-usage.js";
import { finalizeDueInvoices } from "../../src/invoices/finalize-due-invoices.js";
import {
  resourceTotalsFromShares,
  storedResourceTotals,
} from "../support/invoice-resource-totals.js";
import {
  type ApiClient,
  type ApiResponse,
  moveClockAsUser,
  startTestApp,
  type TestApp,
} from "../support/test-app.js";
import { testDatabaseAvailable, testDatabaseKind } from "../support/test-database.js";
import { writeTestCatalog } from "../support/usage-catalog.js";

// Late usage and voids dated in an invoiced month, through the HTTP API on both databases: the
// month's invoice never changes; the account's next invoice carries adjustment lines equal to the
// month's metered lines recomputed minus what was invoiced for them.

/** The default catalog (flow runs at 2 cents) plus a count meter and a graduated tiered one. */
function writeCatalog(): Promise<string> {
  return writeTestCatalog((catalog) => {
    catalog.meters.push(
      { event_name: "api_calls", name: "API calls", aggregation: "count" },
      { event_name: "jobs", name: "Jobs", aggregation: "sum" },
    );
    catalog.resource_types.push(
      {
        type: "api",
        name: "API",
        skus: [
          {
            sku: "calls",
            billing_model: "metered",
            meter: { event_name: "api_calls" },
            unit_amount: 3,
          },
        ],
      },
      {
        type: "batch",
        name: "Batch",
        skus: [
          {
            sku: "jobs",
            billing_model: "metered",
            meter: { event_name: "jobs" },
            tiers_mode: "graduated",
            tiers: [
              { up_to: 10, unit_amount: 100 },
              { up_to: null, unit_amount: 50 },
            ],
          },
        ],
      },
    );
  });
}

function expectStatus(response: ApiResponse, status: number): void {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
}

interface Share {
  resource_id: string;
  project_id: string;
  amount: number;
}
interface Line {
  line_no: number;
  kind: "charge" | "adjustment";
  adjusts_period: { start: string; end: string } | null;
  recomputed_amount: number | null;
  invoiced_amount: number | null;
  resource_type: string;
  sku: string;
  description: string;
  usage_quantity: string | null;
  period: { start: string; end: string };
  amount: number;
  shares: Share[];
}
interface Invoice {
  id: string;
  total: number;
  period: { start: string; end: string };
  lines: Line[];
  projects: { project_id: string; amount: number }[];
}

const OCTOBER = { start: "2026-10-01T00:00:00.000Z", end: "2026-11-01T00:00:00.000Z" };
const NOVEMBER = { start: "2026-11-01T00:00:00.000Z", end: "2026-12-01T00:00:00.000Z" };

describe.skipIf(!testDatabaseAvailable)("late usage billed as adjustments", () => {
  let app: TestApp;
  let api: ApiClient;
  let organizationId: string;
  let account: string;
  /** The Ops project's own account: its API calls (and their void) are billed there. */
  let opsAccount: string;
  let website: string;
  let lab: string;
  const ids: Record<string, string> = {};

  const post = async (
    events: { id: string; r: string; name: string; value?: number; at: string }[],
  ) => {
    const r = await api.post("/v1/usage", {
      events: events.map((e) => ({
        id: e.id,
        resource_id: ids[e.r],
        event_name: e.name,
        value: e.value ?? 1,
        timestamp: e.at,
      })),
    });
    expectStatus(r, 200);
    return r.body.events.map((e: { status: string }) => e.status) as string[];
  };
  const invoices = async (of = account): Promise<Invoice[]> => {
    const list = await api.get(`/v1/billing-accounts/${of}/invoices`);
    expectStatus(list, 200);
    const out: Invoice[] = [];
    for (const summary of list.body.data) {
      const r = await api.get(`/v1/invoices/${summary.id}`);
      expectStatus(r, 200);
      out.push(r.body);
    }
    return out.sort((a, b) => a.period.start.localeCompare(b.period.start));
  };
  const invoiceOf = async (start: string, of = account) => {
    const found = (await invoices(of)).find((i) => i.period.start === start);
    if (!found) throw new Error(`no invoice for ${start}`);
    return found;
  };
  const moveTo = (at: string) => moveClockAsUser({ app, api, at });
  const finalizeAt = async (at: string) => {
    await moveTo(at);
    const round = await finalizeDueInvoices({ ctx: app.ctx });
    expect(round.failed).toBe(0);
    return round;
  };
  const adjustments = (invoice: Invoice) => invoice.lines.filter((l) => l.kind === "adjustment");
  const shareOf = (line: Line | undefined, key: string) =>
    line?.shares.find((s) => s.resource_id === ids[key])?.amount;

  beforeAll(async () => {
    app = await startTestApp({ at: "2026-10-03T08:00:00Z", catalogPath: await writeCatalog() });
    ({ api } = await app.signUp());
    const a = (await api.post("/v1/projects", { name: "Website" })).body;
    website = a.id;
    organizationId = a.organization_id;
    account = a.billing.billing_account_id;
    lab = (await api.post("/v1/projects", { name: "Lab", organization_id: organizationId })).body
      .id;
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
    await create("r1", website, "flow", "runs");
    await create("r2", lab, "flow", "runs");
    const ops = (
      await api.post("/v1/projects", {
        name: "Ops",
        organization_id: organizationId,
        billing: { mode: "separate" },
      })
    ).body;
    opsAccount = ops.billing.billing_account_id;
    await create("c1", ops.id, "api", "calls");
    await create("j1", website, "batch", "jobs");

    await moveTo("2026-10-10T00:00:00Z");
    await post([
      { id: "oct-r1", r: "r1", name: "flow_runs", value: 100, at: "2026-10-05T09:00:00Z" },
      { id: "oct-r2", r: "r2", name: "flow_runs", value: 50, at: "2026-10-06T09:00:00Z" },
      { id: "oct-c1-a", r: "c1", name: "api_calls", at: "2026-10-05T10:00:00Z" },
      { id: "oct-c1-b", r: "c1", name: "api_calls", at: "2026-10-05T11:00:00Z" },
      { id: "oct-c1-c", r: "c1", name: "api_calls", at: "2026-10-07T11:00:00Z" },
      { id: "oct-j1", r: "j1", name: "jobs", value: 8, at: "2026-10-05T12:00:00Z" },
    ]);
  }, 180_000);
  afterAll(async () => {
    await app?.close();
  });

  let october: Invoice;
  let opsOctober: Invoice;

  it("finalizes October from its usage, with charge lines only", async () => {
    expect((await finalizeAt("2026-11-01T00:10:00Z")).finalized).toBe(2);
    october = await invoiceOf(OCTOBER.start);
    opsOctober = await invoiceOf(OCTOBER.start, opsAccount);
    const amounts = (i: Invoice) =>
      Object.fromEntries(i.lines.map((l) => [l.resource_type, l.amount]));
    // 150 runs at 2; 8 jobs in the first tier at 100; 3 calls at 3.
    expect(amounts(october)).toEqual({ flow: 300, batch: 800 });
    expect(amounts(opsOctober)).toEqual({ api: 9 });
    expect(october.lines.every((l) => l.kind === "charge" && l.adjusts_period === null)).toBe(true);
    expect(october.total).toBe(1100);
  });

  it("bills late events and voids of October on November's invoice; October never changes", async () => {
    await moveTo("2026-11-05T00:00:00Z");
    const late = [
      // 25 more runs on r1: exactly 50 more.
      { id: "late-r1", r: "r1", name: "flow_runs", value: 25, at: "2026-10-20T09:00:00Z" },
      // 5 more jobs: 8 → 13 crosses the tier, 10 × 100 + 3 × 50 = 1,150, so 350 more (not
      // 5 × 100 at the first tier, nor 5 × 50 at the second).
      { id: "late-j1", r: "j1", name: "jobs", value: 5, at: "2026-10-21T09:00:00Z" },
      // November's own usage.
      { id: "nov-r1", r: "r1", name: "flow_runs", value: 10, at: "2026-11-02T09:00:00Z" },
    ];
    expect(await post(late)).toEqual(["accepted", "accepted", "accepted"]);
    // The client retries the batch after a timeout: nothing more is counted, or billed.
    expect(await post(late)).toEqual(["duplicate", "duplicate", "duplicate"]);
    // One October call voided, on the Ops account: 3 less there (and only there).
    const voided = await api.post("/v1/usage/void", { ids: ["oct-c1-b"] });
    expectStatus(voided, 200);
    expect(voided.body.voided).toBe(1);

    expect((await finalizeAt("2026-12-01T00:10:00Z")).finalized).toBe(2);
    expect(await invoiceOf(OCTOBER.start)).toEqual(october);
    expect(await invoiceOf(OCTOBER.start, opsAccount)).toEqual(opsOctober);

    const november = await invoiceOf(NOVEMBER.start);
    const charges = november.lines.filter((l) => l.kind === "charge");
    expect(Object.fromEntries(charges.map((l) => [l.resource_type, l.amount]))).toEqual({
      flow: 20,
      batch: 0,
    });
    const adjusted = Object.fromEntries(
      adjustments(november).map((l) => [
        l.resource_type,
        [l.invoiced_amount, l.recomputed_amount, l.amount, l.usage_quantity],
      ]),
    );
    expect(adjusted).toEqual({
      flow: [300, 350, 50, "175"],
      batch: [800, 1150, 350, "13"],
    });
    const opsNovember = await invoiceOf(NOVEMBER.start, opsAccount);
    expect(
      opsNovember.lines.map((l) => [
        l.kind,
        l.invoiced_amount,
        l.recomputed_amount,
        l.amount,
        l.usage_quantity,
      ]),
    ).toEqual([
      ["charge", null, null, 0, "0"],
      ["adjustment", 9, 6, -3, "2"],
    ]);
    expect(shareOf(adjustments(opsNovember)[0], "c1")).toBe(-3);
    expect(opsNovember.total).toBe(-3);
    for (const line of [...adjustments(november), ...adjustments(opsNovember)]) {
      expect(line.adjusts_period).toEqual(OCTOBER);
      expect(line.period).toEqual(OCTOBER);
      expect(line.description).toContain("2026-10");
      expect(line.shares.reduce((s, x) => s + x.amount, 0)).toBe(line.amount);
    }
    const flow = adjustments(november).find((l) => l.resource_type === "flow");
    // The late runs were r1's: r2's share is what it was.
    expect([shareOf(flow, "r1"), shareOf(flow, "r2")]).toEqual([50, undefined]);
    expect(november.total).toBe(20 + 50 + 350);
    expect(november.total).toBe(november.lines.reduce((s, l) => s + l.amount, 0));
    expect(november.projects.reduce((s, p) => s + p.amount, 0)).toBe(november.total);
  });

  it("counts adjustments in the costs of the invoice that bills them; every grouping sums", async () => {
    const costs = async (from: string, to: string, group_by: string) => {
      const r = await api.get(
        `/v1/organizations/${organizationId}/costs?group_by=${group_by}&from=${from}&to=${to}`,
      );
      expectStatus(r, 200);
      return r.body as { total: number; groups: { key: string; amount: number }[] };
    };
    for (const group_by of ["project", "resource", "resource_type", "billing_account"]) {
      const oct = await costs(OCTOBER.start, OCTOBER.end, group_by);
      expect(oct.total).toBe(october.total + opsOctober.total);
      const nov = await costs(NOVEMBER.start, NOVEMBER.end, group_by);
      expect(nov.total).toBe(20 + 50 - 3 + 350);
      expect(nov.groups.reduce((s, g) => s + g.amount, 0)).toBe(nov.total);
    }
    const byResource = await costs(NOVEMBER.start, NOVEMBER.end, "resource");
    const of = (key: string) => byResource.groups.find((g) => g.key === ids[key])?.amount ?? 0;
    expect([of("r1"), of("r2"), of("c1"), of("j1")]).toEqual([20 + 50, 0, -3, 350]);
    // By resource, closed months are read from the running sums of migration 032, where an
    // adjustment counts in the month of the invoice carrying it, as its shares do.
    expect(await storedResourceTotals(app.ctx.db)).toEqual(
      await resourceTotalsFromShares(app.ctx.db),
    );
  });

  it("bills nothing when a late event and its void cancel out, or when nothing changed", async () => {
    await moveTo("2026-12-03T00:00:00Z");
    // Dated in November, sent and voided after November was invoiced.
    expect(
      await post([
        { id: "late-nov", r: "r2", name: "flow_runs", value: 40, at: "2026-11-20T00:00:00Z" },
      ]),
    ).toEqual(["accepted"]);
    expectStatus(await api.post("/v1/usage/void", { ids: ["late-nov"] }), 200);
    // And a void of an event October's adjustment already counted... then the same again, as a
    // fresh event: October's recompute comes out at what was invoiced for it.
    expectStatus(await api.post("/v1/usage/void", { ids: ["late-r1"] }), 200);
    expect(
      await post([
        { id: "late-r1-again", r: "r1", name: "flow_runs", value: 25, at: "2026-10-25T00:00:00Z" },
      ]),
    ).toEqual(["accepted"]);
    // A retry of November's late batch, after its adjustment was billed: nothing new.
    expect(
      await post([{ id: "late-j1", r: "j1", name: "jobs", value: 5, at: "2026-10-21T09:00:00Z" }]),
    ).toEqual(["duplicate"]);
    // December has usage of its own, so it has an invoice.
    await post([
      { id: "dec-r1", r: "r1", name: "flow_runs", value: 1, at: "2026-12-02T00:00:00Z" },
    ]);

    expect((await finalizeAt("2027-01-01T00:10:00Z")).finalized).toBe(2);
    const december = await invoiceOf("2026-12-01T00:00:00.000Z");
    expect(adjustments(december)).toEqual([]);
    expect(december.total).toBe(2);
    // The marks were consumed: a later invoice has nothing to re-check either.
    const marks = await app.ctx.db.query<{ pending: number }>(
      "SELECT count(*)::int AS pending FROM ktrlplane.late_usage_marks WHERE consumed_at IS NULL",
    );
    expect(marks[0]?.pending).toBe(0);
  });

  it("bills a late event on an invoice of adjustments alone once nothing runs on the account", async () => {
    await moveTo("2027-01-05T00:00:00Z");
    for (const key of ["r1", "r2", "c1", "j1"]) {
      expectStatus(await api.delete(`/v1/resources/${ids[key]}`), 204);
    }
    await post([{ id: "late-dec", r: "j1", name: "jobs", value: 2, at: "2026-12-15T00:00:00Z" }]);
    // January's invoice bills the resources' last days; February has nothing but the adjustment.
    await finalizeAt("2027-02-01T00:10:00Z");
    const january = await invoiceOf("2027-01-01T00:00:00.000Z");
    expect(adjustments(january).map((l) => [l.resource_type, l.amount])).toEqual([["batch", 200]]);
    await moveTo("2027-02-10T00:00:00Z");
    expect(
      await post([{ id: "late-jan", r: "j1", name: "jobs", value: 1, at: "2027-01-02T00:00:00Z" }]),
    ).toEqual(["accepted"]);
    expect((await finalizeAt("2027-03-01T00:10:00Z")).finalized).toBe(1);
    const february = await invoiceOf("2027-02-01T00:00:00.000Z");
    expect(february.lines.map((l) => [l.kind, l.resource_type, l.amount])).toEqual([
      ["adjustment", "batch", 100],
    ]);
    expect(february.total).toBe(100);
  });
});

describe.skipIf(!testDatabaseAvailable)("late usage racing the finalization", () => {
  let app: TestApp;
  afterAll(async () => {
    await app?.close();
  });

  it("bills every late event exactly once, whichever commits first", async () => {
    const runner = await startFlowRunner({ projectName: "Racing" });
    app = runner.app;
    const { api, account, resource, moveTo } = runner;
    const runs = new Map<string, number>();
    let seq = 0;
    const send = async (month: string, value: number) => {
      const r = await api.post("/v1/usage", {
        events: [
          {
            id: `e${++seq}`,
            resource_id: resource,
            event_name: "flow_runs",
            value,
            timestamp: `${month}-15T12:00:00Z`,
          },
        ],
      });
      expectStatus(r, 200);
      expect(r.body.events[0].status).toBe("accepted");
      runs.set(month, (runs.get(month) ?? 0) + value);
    };

    await moveTo("2026-10-20T00:00:00Z");
    await send("2026-10", 3);
    // Each month end: late events for every earlier month race the month's finalization.
    const closes = ["2026-11", "2026-12", "2027-01", "2027-02"];
    for (const [i, close] of closes.entries()) {
      await moveTo(`${close}-01T00:10:00Z`);
      const earlier = ["2026-10", ...closes.slice(0, i)];
      const late = earlier.flatMap((month) =>
        Array.from({ length: 6 }, (_, k) => send(month, k + 1)),
      );
      const [round] = await Promise.all([finalizeDueInvoices({ ctx: app.ctx }), ...late]);
      expect(round.failed).toBe(0);
    }
    // The last late events are billed by one more finalization.
    await moveTo("2027-03-01T00:10:00Z");
    expect((await finalizeDueInvoices({ ctx: app.ctx })).failed).toBe(0);

    const list = (await api.get(`/v1/billing-accounts/${account}/invoices`)).body.data as {
      id: string;
    }[];
    const billed = new Map<string, number>();
    for (const { id } of list) {
      const invoice = (await api.get(`/v1/invoices/${id}`)).body as Invoice;
      for (const line of invoice.lines) {
        const month = line.period.start.slice(0, 7);
        billed.set(month, (billed.get(month) ?? 0) + line.amount);
      }
    }
    // Every month billed (charge plus adjustments) exactly its runs at 2 cents.
    expect(Object.fromEntries([...billed].filter(([, amount]) => amount !== 0))).toEqual(
      Object.fromEntries([...runs].map(([month, n]) => [month, 2 * n])),
    );
  }, 180_000);
});

describe.skipIf(!testDatabaseAvailable)("a batch still writing a late event", () => {
  let app: TestApp;
  afterAll(async () => {
    await app?.close();
  });

  it("holds the finalization back until it commits, so its events are re-checked", async () => {
    const runner = await startFlowRunner({ projectName: "Held" });
    app = runner.app;
    const { api, account, resource, moveTo } = runner;
    const send = async (id: string, value: number, at: string) => {
      const r = await api.post("/v1/usage", {
        events: [{ id, resource_id: resource, event_name: "flow_runs", value, timestamp: at }],
      });
      expect(r.body.events[0].status).toBe("accepted");
    };
    await moveTo("2026-10-10T00:00:00Z");
    await send("oct", 3, "2026-10-10T00:00:00Z");
    await moveTo("2026-11-01T00:10:00Z");
    expect((await finalizeDueInvoices({ ctx: app.ctx })).failed).toBe(0);
    await moveTo("2026-11-05T00:00:00Z");
    await send("late", 1, "2026-10-20T00:00:00Z");
    await moveTo("2026-12-01T00:10:00Z");

    // Another batch's transaction has marked October again and not committed yet (as ingestion
    // does, after storing its events).
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let marked = () => {};
    const markedYet = new Promise<void>((resolve) => {
      marked = resolve;
    });
    const writer = app.ctx.db.transaction(async (tx) => {
      await markLateUsage({
        db: tx,
        events: [{ resource_id: resource, timestamp: new Date("2026-10-21T00:00:00Z") }],
        closedBefore: new Date("2026-12-01T00:00:00Z"),
        at: app.clock.now(),
      });
      marked();
      await released;
    });
    await markedYet;
    let finalized = false;
    const finalizing = finalizeDueInvoices({ ctx: app.ctx }).then((round) => {
      finalized = true;
      return round;
    });
    // PostgreSQL: until the finalization waits on the mark's lock (or, wrongly, finishes). It
    // must wait in the statement that locks the marks, before it reads any usage: waiting only
    // to consume them would come after a read that missed the batch's events.
    let waitedIn: string | undefined;
    for (let i = 0; i < 200 && !finalized && waitedIn === undefined; i++) {
      if (testDatabaseKind === "pglite") {
        await new Promise((r) => setTimeout(r, 300));
        break;
      }
      const waiting = await app.ctx.db.query<{ query: string }>(
        "SELECT query FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%late_usage_marks%'",
      );
      waitedIn = waiting[0]?.query;
      if (waitedIn === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    expect(finalized).toBe(false);
    if (testDatabaseKind === "postgres") expect(waitedIn).toMatch(/^select .* for update$/is);
    release();
    await writer;
    expect((await finalizing).failed).toBe(0);

    const list = (await api.get(`/v1/billing-accounts/${account}/invoices`)).body.data as {
      id: string;
      period: { start: string };
    }[];
    const november = list.find((i) => i.period.start === "2026-11-01T00:00:00.000Z");
    const detail = (await api.get(`/v1/invoices/${november?.id}`)).body as Invoice;
    expect(adjustmentAmounts(detail)).toEqual([2]);
    const pending = await app.ctx.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM ktrlplane.late_usage_marks WHERE consumed_at IS NULL",
    );
    expect(pending[0]?.n).toBe(0);
  }, 120_000);
});

/**
 * A fresh app in October 2026 with one user, whose project's account bills one flow/runs
 * resource (2 cents a run); `moveTo` moves the clock as that user would.
 */
async function startFlowRunner(options: { projectName: string }) {
  const app = await startTestApp({ at: "2026-10-03T08:00:00Z" });
  const { api } = await app.signUp();
  const project = (await api.post("/v1/projects", { name: options.projectName })).body;
  const created = await api.post("/v1/resources", {
    project_id: project.id,
    resource_type: "flow",
    sku: "runs",
    name: "runner",
  });
  expectStatus(created, 201);
  return {
    app,
    api,
    account: project.billing.billing_account_id as string,
    resource: created.body.id as string,
    moveTo: (at: string) => moveClockAsUser({ app, api, at }),
  };
}

function adjustmentAmounts(invoice: Invoice): number[] {
  return invoice.lines.filter((l) => l.kind === "adjustment").map((l) => l.amount);
}
