import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { finalizeDueInvoices } from "../../src/invoices/finalize-due-invoices.js";
import {
  type ApiClient,
  type ApiResponse,
  moveClockAsUser,
  startTestApp,
  type TestApp,
} from "../support/test-app.js";
import { testDatabaseAvailable } from "../support/test-database.js";

// The upcoming invoice previews the adjustments late usage and voids call for, planned by the code
// that finalization then runs: what a user reads before the month ends is what the invoice says.

function expectStatus(response: ApiResponse, status: number): void {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
}

interface PreviewLine {
  kind: "charge" | "adjustment";
  adjusts_period: { start: string; end: string } | null;
  recomputed_amount: number | null;
  invoiced_amount: number | null;
  resource_type: string;
  sku: string;
  price_version: number;
  description: string;
  quantity: number;
  usage_quantity: string | null;
  amount: number;
}
interface Statement {
  period: { start: string; end: string };
  lines: PreviewLine[];
  total: number;
}

const OCTOBER = { start: "2026-10-01T00:00:00.000Z", end: "2026-11-01T00:00:00.000Z" };
const NOVEMBER = { start: "2026-11-01T00:00:00.000Z", end: "2026-12-01T00:00:00.000Z" };

describe.skipIf(!testDatabaseAvailable)("the upcoming invoice's pending adjustments", () => {
  let app: TestApp;
  let api: ApiClient;
  let account: string;
  const ids: Record<string, string> = {};

  const post = async (events: { id: string; r: string; value: number; at: string }[]) => {
    const r = await api.post("/v1/usage", {
      events: events.map((e) => ({
        id: e.id,
        resource_id: ids[e.r],
        event_name: "flow_runs",
        value: e.value,
        timestamp: e.at,
      })),
    });
    expectStatus(r, 200);
    expect(r.body.events.map((e: { status: string }) => e.status)).toEqual(
      events.map(() => "accepted"),
    );
  };
  const moveTo = (at: string) => moveClockAsUser({ app, api, at });
  const finalizeAt = async (at: string) => {
    await moveTo(at);
    const round = await finalizeDueInvoices({ ctx: app.ctx });
    expect(round.failed).toBe(0);
    return round.finalized;
  };
  const statement = async (which: "upcoming-invoice" | "charges"): Promise<Statement> => {
    const r = await api.get(`/v1/billing-accounts/${account}/${which}`);
    expectStatus(r, 200);
    return r.body;
  };
  const invoiceOf = async (start: string) => {
    const list = await api.get(`/v1/billing-accounts/${account}/invoices`);
    expectStatus(list, 200);
    const summary = list.body.data.find(
      (i: { period: { start: string } }) => i.period.start === start,
    );
    if (!summary) throw new Error(`no invoice for ${start}`);
    const r = await api.get(`/v1/invoices/${summary.id}`);
    expectStatus(r, 200);
    return r.body as Statement & { lines: (PreviewLine & { line_no: number })[] };
  };
  /** What a line of either says, in the upcoming invoice's terms. */
  const comparable = (line: PreviewLine) => ({
    kind: line.kind,
    adjusts_period: line.adjusts_period,
    recomputed_amount: line.recomputed_amount,
    invoiced_amount: line.invoiced_amount,
    resource_type: line.resource_type,
    sku: line.sku,
    price_version: line.price_version,
    quantity: line.quantity,
    usage_quantity: line.usage_quantity,
    amount: line.amount,
    // Charge descriptions differ by design (the upcoming one names a second price version).
    description: line.kind === "adjustment" ? line.description : null,
  });

  beforeAll(async () => {
    app = await startTestApp({ at: "2026-10-03T08:00:00Z" });
    ({ api } = await app.signUp());
    const website = (await api.post("/v1/projects", { name: "Website" })).body;
    account = website.billing.billing_account_id;
    const lab = (
      await api.post("/v1/projects", { name: "Lab", organization_id: website.organization_id })
    ).body;
    for (const [key, project] of [
      ["r1", website.id],
      ["r2", lab.id],
    ] as const) {
      const r = await api.post("/v1/resources", {
        project_id: project,
        resource_type: "flow",
        sku: "runs",
        name: key,
      });
      expectStatus(r, 201);
      ids[key] = r.body.id;
    }
    await moveTo("2026-10-10T00:00:00Z");
    await post([
      { id: "oct-r1", r: "r1", value: 100, at: "2026-10-05T09:00:00Z" },
      { id: "oct-r2", r: "r2", value: 50, at: "2026-10-06T09:00:00Z" },
    ]);
    expect(await finalizeAt("2026-11-01T00:10:00Z")).toBe(1);
  }, 180_000);
  afterAll(async () => {
    await app?.close();
  });

  let preview: Statement;

  it("shows nothing pending before any late usage", async () => {
    const upcoming = await statement("upcoming-invoice");
    expect(upcoming.period).toEqual(NOVEMBER);
    expect(upcoming.lines.filter((l) => l.kind === "adjustment")).toEqual([]);
  });

  it("shows late usage and voids of October on the upcoming invoice and the charges at once", async () => {
    await moveTo("2026-11-05T00:00:00Z");
    await post([
      // 25 more runs on r1 in October: 50 more; November's own 10 runs: 20.
      { id: "late-r1", r: "r1", value: 25, at: "2026-10-20T09:00:00Z" },
      { id: "nov-r1", r: "r1", value: 10, at: "2026-11-02T09:00:00Z" },
    ]);
    // r2's October runs voided: 100 less, so October's flow line goes from 300 to 250.
    expectStatus(await api.post("/v1/usage/void", { ids: ["oct-r2"] }), 200);

    preview = await statement("upcoming-invoice");
    const adjustments = preview.lines.filter((l) => l.kind === "adjustment");
    expect(
      adjustments.map((l) => [
        l.adjusts_period,
        l.invoiced_amount,
        l.recomputed_amount,
        l.amount,
        l.usage_quantity,
      ]),
    ).toEqual([[OCTOBER, 300, 250, -50, "125"]]);
    expect(adjustments[0]?.description).toContain("usage adjustment for 2026-10");
    expect(preview.lines.filter((l) => l.kind === "charge").map((l) => l.amount)).toEqual([20]);
    expect(preview.total).toBe(20 - 50);
    expect(preview.total).toBe(preview.lines.reduce((s, l) => s + l.amount, 0));
    // Charges so far owe the same adjustment.
    const charges = await statement("charges");
    expect(charges.lines.filter((l) => l.kind === "adjustment")).toEqual(adjustments);
    expect(charges.total).toBe(preview.total);
  });

  it("finalizes November with exactly the lines and total the upcoming invoice showed", async () => {
    // Reading the preview wrote nothing: it is still there, unchanged, at the month's end.
    await moveTo("2026-11-30T23:00:00Z");
    expect(await statement("upcoming-invoice")).toEqual(preview);

    expect(await finalizeAt("2026-12-01T00:10:00Z")).toBe(1);
    const november = await invoiceOf(NOVEMBER.start);
    expect(november.lines.map(comparable)).toEqual(preview.lines.map(comparable));
    expect(november.total).toBe(preview.total);
    // Billed once: December's upcoming invoice has nothing pending.
    const december = await statement("upcoming-invoice");
    expect(december.lines.filter((l) => l.kind === "adjustment")).toEqual([]);
  });

  it("previews no adjustment of a closed month still waiting for its own invoice", async () => {
    await moveTo("2026-12-20T00:00:00Z");
    await post([{ id: "dec-r1", r: "r1", value: 10, at: "2026-12-15T09:00:00Z" }]);
    // Past December's end, before its finalization: a late event of December is December's.
    await moveTo("2027-01-01T00:02:00Z");
    await post([{ id: "dec-late-r1", r: "r1", value: 5, at: "2026-12-20T09:00:00Z" }]);
    const january = await statement("upcoming-invoice");
    expect(january.period.start).toBe("2027-01-01T00:00:00.000Z");
    // Not December's whole usage as an "adjustment" of a month nothing was invoiced for yet.
    expect(january.lines.filter((l) => l.kind === "adjustment")).toEqual([]);

    expect(await finalizeAt("2027-01-01T00:10:00Z")).toBe(1);
    const december = await invoiceOf("2026-12-01T00:00:00.000Z");
    expect(december.lines.map((l) => [l.kind, l.usage_quantity, l.amount])).toEqual([
      ["charge", "15", 30],
    ]);
    // Billed there, the late event leaves nothing for January to adjust.
    const after = await statement("upcoming-invoice");
    expect(after.lines.filter((l) => l.kind === "adjustment")).toEqual([]);
    expect(after.total).toBe(0);
  });
});
