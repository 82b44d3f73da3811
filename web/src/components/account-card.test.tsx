// @vitest-environment jsdom
import { cleanup, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { UpcomingInvoice } from "../api";
import type { ResourceType } from "../catalog";
import { UpcomingInvoiceLines } from "./account-card";

const october = { start: "2026-10-01T00:00:00.000Z", end: "2026-11-01T00:00:00.000Z" };
const charge = {
  kind: "charge" as const,
  adjusts_period: null,
  recomputed_amount: null,
  invoiced_amount: null,
  resource_type: "flow",
  sku: "runs",
  price_version: 1,
  description: "Flow (runs)",
  quantity: 1,
  usage_quantity: "10",
  amount: 20,
};
const upcoming: UpcomingInvoice = {
  period: { start: "2026-11-01T00:00:00.000Z", end: "2026-12-01T00:00:00.000Z" },
  currency: "usd",
  total: 20 - 50,
  lines: [
    charge,
    {
      ...charge,
      kind: "adjustment",
      adjusts_period: october,
      recomputed_amount: 250,
      invoiced_amount: 300,
      description: "Flow (runs), usage adjustment for 2026-10, price version 1",
      usage_quantity: "125",
      amount: -50,
    },
  ],
};
const types: ResourceType[] = [
  {
    type: "flow",
    name: "Flow",
    skus: [
      {
        sku: "runs",
        billing_model: "metered",
        unit_amount: 2,
        interval: "month",
        currency: "usd",
        meter: "flow_runs",
        meter_unit: { one: "run", other: "runs" },
      },
    ],
  },
];

afterEach(cleanup);

describe("the account card's upcoming invoice lines", () => {
  it("shows pending adjustments apart, with the period and the figures they correct", () => {
    render(<UpcomingInvoiceLines upcoming={upcoming} types={types} />);
    expect(screen.getByText(/Upcoming invoice lines \(2, 1 pending adjustment\)/)).toBeTruthy();
    const table = screen.getByRole("region", { name: "Upcoming invoice lines" });
    expect(within(table).getByText(/Adjustments of earlier periods/)).toBeTruthy();
    const adjustments = screen.getByTestId("upcoming-adjustments");
    expect(within(adjustments).getByText(/usage adjustment for 2026-10/)).toBeTruthy();
    expect(within(adjustments).getByText(/Adjusts Oct 1, 2026/).textContent).toBe(
      "Adjusts Oct 1, 2026 – Oct 31, 2026: recomputed $2.50 − invoiced $3.00",
    );
    expect(within(adjustments).getByText("125 runs used")).toBeTruthy();
    expect(within(adjustments).getByText("-$0.50")).toBeTruthy();
    // The period's own charge is not among them.
    expect(within(adjustments).queryByText("Flow (runs)")).toBeNull();
    expect(within(table).getByText("Flow (runs)")).toBeTruthy();
  });

  it("has no adjustments section when nothing is pending", () => {
    render(
      <UpcomingInvoiceLines upcoming={{ ...upcoming, total: 20, lines: [charge] }} types={types} />,
    );
    expect(screen.getByText("Upcoming invoice lines (1)")).toBeTruthy();
    expect(screen.queryByText(/Adjustments of earlier periods/)).toBeNull();
    expect(screen.queryByTestId("upcoming-adjustments")).toBeNull();
  });
});
