// @vitest-environment jsdom
import { cleanup, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { FinalizedInvoice } from "../api";
import { InvoicePage } from "./invoice";

const invoice: FinalizedInvoice = {
  id: "inv_1",
  number: "7K2M9QXA-0003",
  billing_account_id: "ba_1",
  organization_id: "org_1",
  period: { start: "2026-10-01T00:00:00.000Z", end: "2026-11-01T00:00:00.000Z" },
  currency: "usd",
  total: 12_345,
  status: "finalized",
  finalized_at: "2026-11-01T00:05:00.000Z",
  provider: null,
  billing_account: { id: "ba_1", name: "Acme" },
  lines: [
    {
      line_no: 1,
      kind: "charge",
      adjusts_period: null,
      recomputed_amount: null,
      invoiced_amount: null,
      resource_type: "graph",
      sku: "standard",
      description: "Graph database (standard)",
      price_version: 1,
      price: {
        resource_type: "graph",
        sku: "standard",
        billing_model: "per_unit",
        currency: "usd",
        interval: "month",
        unit_amount: 9_900,
      },
      quantity: 1,
      usage_quantity: null,
      period: { start: "2026-10-01T00:00:00.000Z", end: "2026-11-01T00:00:00.000Z" },
      amount: 12_345,
      currency: "usd",
      shares: [
        {
          resource_id: "res_1",
          resource_name: "db-1",
          project_id: "prj_1",
          project_name: "Website",
          amount: 10_000,
        },
        {
          resource_id: "res_2",
          resource_name: "db-2",
          project_id: "prj_2",
          project_name: "Lab",
          amount: 2_345,
        },
      ],
    },
  ],
  projects: [
    { project_id: "prj_1", project_name: "Website", amount: 10_000 },
    { project_id: "prj_2", project_name: "Lab", amount: 2_345 },
  ],
};

/** The catalog the page reads unit names from: flow runs are counted in runs. */
const catalog = [
  {
    type: "flow",
    name: "Flow",
    skus: [
      {
        sku: "runs",
        billing_model: "metered",
        currency: "usd",
        interval: "month",
        unit_amount: 2,
        meter: {
          event_name: "flow_runs",
          name: "Flow runs",
          aggregation: "sum",
          property: null,
          unit_name: "run",
          unit_name_plural: "runs",
        },
      },
    ],
  },
];

const json = (body: unknown) =>
  new Response(JSON.stringify(body), {
    status: 200,
    headers: { "content-type": "application/json" },
  });

/** Serves `body` as the invoice and the catalog above; records the invoice paths asked for. */
function serve(body: FinalizedInvoice): string[] {
  const asked: string[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (request: Request) => {
      const path = new URL(request.url).pathname;
      if (path === "/v1/resource-types") return json({ data: catalog });
      asked.push(path);
      return json(body);
    }),
  );
  return asked;
}

/** A metered line at 2 cents per unit of its meter. */
function meteredLine(options: {
  line_no: number;
  resource_type: string;
  sku: string;
  event_name: string;
}): FinalizedInvoice["lines"][number] {
  const { line_no, resource_type, sku, event_name } = options;
  return {
    ...(invoice.lines[0] as FinalizedInvoice["lines"][number]),
    line_no,
    resource_type,
    sku,
    description: `${resource_type} (${sku})`,
    price: {
      resource_type,
      sku,
      billing_model: "metered",
      currency: "usd",
      interval: "month",
      unit_amount: 2,
      meter: { event_name },
    },
    usage_quantity: "100",
    amount: 200,
    shares: [],
  };
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("the invoice page", () => {
  it("shows the number, the period, each line with the price it was billed at, shares and total", async () => {
    const asked = serve(invoice);
    render(<InvoicePage id="inv_1" />);
    expect(await screen.findByRole("heading", { level: 1, name: "7K2M9QXA-0003" })).toBeTruthy();
    expect(asked).toEqual(["/v1/invoices/inv_1"]);
    expect(screen.getByText("Oct 1, 2026 – Oct 31, 2026")).toBeTruthy();
    const lines = screen.getByRole("region", { name: /Lines of invoice/ });
    expect(within(lines).getByText("Graph database (standard)")).toBeTruthy();
    expect(within(lines).getByText("$99.00 / month")).toBeTruthy();
    expect(within(lines).getByText("db-2")).toBeTruthy();
    expect(screen.getByTestId("invoice-total").textContent).toBe("$123.45");
    expect(screen.getByRole("button", { name: "Print or save as PDF" })).toBeTruthy();
    expect(screen.queryByRole("region", { name: "In Stripe" })).toBeNull();
  });

  it("shows adjustments of earlier periods apart, with the period and the figures they correct", async () => {
    const september = { start: "2026-09-01T00:00:00.000Z", end: "2026-10-01T00:00:00.000Z" };
    const withAdjustment: FinalizedInvoice = {
      ...invoice,
      total: 12_345 - 300,
      lines: [
        ...invoice.lines,
        {
          line_no: 2,
          kind: "adjustment",
          adjusts_period: september,
          recomputed_amount: 700,
          invoiced_amount: 1_000,
          resource_type: "flow",
          sku: "runs",
          description: "Flow (runs), usage adjustment for 2026-09, price version 1",
          price_version: 1,
          price: {
            resource_type: "flow",
            sku: "runs",
            billing_model: "metered",
            currency: "usd",
            interval: "month",
            unit_amount: 2,
            meter: { event_name: "flow_runs" },
          },
          quantity: 1,
          usage_quantity: "350",
          period: september,
          amount: -300,
          currency: "usd",
          shares: [
            {
              resource_id: "res_3",
              resource_name: "runner",
              project_id: "prj_1",
              project_name: "Website",
              amount: -300,
            },
          ],
        },
      ],
    };
    serve(withAdjustment);
    render(<InvoicePage id="inv_1" />);
    const adjustment = await screen.findByTestId("invoice-adjustment");
    expect(screen.getByText(/Adjustments of earlier periods/)).toBeTruthy();
    expect(within(adjustment).getByText(/usage adjustment for 2026-09/)).toBeTruthy();
    expect(within(adjustment).getByText(/Adjusts Sep 1, 2026 – Sep 30, 2026/).textContent).toBe(
      "Adjusts Sep 1, 2026 – Sep 30, 2026: recomputed $7.00 − invoiced $10.00",
    );
    expect(within(adjustment).getByText("runner")).toBeTruthy();
    expect(screen.getByTestId("invoice-total").textContent).toBe("$120.45");
  });

  it("shows what Stripe billed for the month next to the ledger's invoice, with its links", async () => {
    const stripeInvoice = {
      id: "in_1",
      number: "ABCD-0001",
      status: "paid",
      hosted_invoice_url: "https://invoice.stripe.test/i/in_1",
      invoice_pdf: "https://invoice.stripe.test/i/in_1/pdf",
      currency: "usd",
      total: 12_346,
      period: { start: "2026-10-01T00:00:00.000Z", end: "2026-11-01T00:00:00.000Z" },
      billing_reason: "subscription_cycle",
    };
    const withStripe: FinalizedInvoice = {
      ...invoice,
      provider: {
        invoices: [stripeInvoice],
        total: { ledger: 12_345, provider: 12_346, drift: 1 },
        lines: [],
      },
    };
    serve(withStripe);
    render(<InvoicePage id="inv_1" />);
    const stripe = await screen.findByRole("region", { name: "In Stripe" });
    expect(screen.getByTestId("invoice-stripe-total").textContent).toBe(
      "Stripe billed $123.46 for this month's service, $0.01 from this invoice.",
    );
    expect(within(stripe).getByText("ABCD-0001")).toBeTruthy();
    expect(within(stripe).getByText("paid")).toBeTruthy();
    expect(within(stripe).getByRole("link", { name: "View in Stripe" }).getAttribute("href")).toBe(
      stripeInvoice.hosted_invoice_url,
    );
    expect(within(stripe).getByRole("link", { name: "PDF" }).getAttribute("href")).toBe(
      stripeInvoice.invoice_pdf,
    );
  });

  it("prices a metered line per unit of its meter, named as the catalog names it", async () => {
    serve({
      ...invoice,
      total: 400,
      lines: [
        meteredLine({ line_no: 1, resource_type: "flow", sku: "runs", event_name: "flow_runs" }),
        // A meter the catalog no longer lists (or names no unit for): "unit" stands in.
        meteredLine({ line_no: 2, resource_type: "api", sku: "calls", event_name: "api_calls" }),
      ],
      projects: [],
    });
    render(<InvoicePage id="inv_1" />);
    const lines = await screen.findByRole("region", { name: /Lines of invoice/ });
    expect(await within(lines).findByText("$0.02 per run")).toBeTruthy();
    expect(within(lines).getByText("$0.02 per unit")).toBeTruthy();
    // The quantity a metered line prices is its usage, in the same unit.
    expect(within(lines).getByText("100 runs used")).toBeTruthy();
    expect(within(lines).getByText("100 units used")).toBeTruthy();
  });

  it("says so when the invoice cannot be loaded", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(
        async () =>
          new Response(JSON.stringify({ code: "not_found", detail: "Invoice not found" }), {
            status: 404,
            headers: { "content-type": "application/problem+json" },
          }),
      ),
    );
    render(<InvoicePage id="inv_gone" />);
    expect(await screen.findByText("The invoice could not be loaded.")).toBeTruthy();
  });
});
