// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { useState } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { ApiError } from "../api";
import { BarChart } from "./bar-chart";
import { BillingChoice, type BillingChoiceValue, billingBody } from "./billing-choice";
import { BillingBadge, Dialog, ErrorNotice, Field, humanMessage, StatusBadge } from "./ui";

afterEach(cleanup);

describe("BillingBadge", () => {
  it("says inherited or separate with the paying account", () => {
    render(
      <BillingBadge
        billing={{
          mode: "inherit",
          inherited: true,
          billing_account_id: "ba_1",
          billing_account: { id: "ba_1", name: "Acme", scope: "organization", status: "active" },
        }}
      />,
    );
    expect(screen.getByTestId("billing-badge").textContent).toBe("Billed to: Acme (inherited)");
    cleanup();
    render(
      <BillingBadge
        billing={{
          mode: "separate",
          inherited: false,
          billing_account_id: "ba_2",
          billing_account: { id: "ba_2", name: "Client X", scope: "project", status: "active" },
        }}
      />,
    );
    expect(screen.getByTestId("billing-badge").textContent).toBe("Billed to: Client X (separate)");
  });
});

describe("StatusBadge", () => {
  it("words the account state", () => {
    render(<StatusBadge status="setup_required" />);
    expect(screen.getByText("Set-up required")).toBeTruthy();
  });
});

describe("ErrorNotice", () => {
  it("shows the detail and the field in words", () => {
    const error = new ApiError({
      status: 422,
      code: "organization_required",
      title: "Unprocessable",
      detail: "Choose an organization.",
      field: "organization_id",
    });
    render(<ErrorNotice error={error} />);
    const alert = screen.getByRole("alert");
    expect(alert.textContent).toContain("Choose an organization.");
    expect(alert.textContent).not.toContain("field");
    expect(alert.textContent).not.toContain("{");
  });

  it("writes a validation error for people: no field path, the field named once", () => {
    const error = new ApiError({
      status: 422,
      code: "validation_failed",
      title: "validation failed",
      detail: "project.name: Too big: expected string to have <=100 characters",
      field: "project.name",
    });
    expect(humanMessage(error)).toBe("Project name must be at most 100 characters.");
    const other = new ApiError({
      status: 422,
      code: "validation_failed",
      title: "validation failed",
      detail: "sku: unknown size",
      field: "sku",
    });
    expect(humanMessage(other)).toBe("SKU: Unknown size.");
  });

  it("offers Retry when given one", () => {
    let retried = 0;
    render(
      <ErrorNotice
        error={new Error("The server could not be reached.")}
        title="Projects could not be loaded."
        onRetry={() => retried++}
      />,
    );
    fireEvent.click(screen.getByRole("button", { name: "Retry" }));
    expect(retried).toBe(1);
  });
});

describe("Field", () => {
  it("labels its control and ties the error to it", () => {
    render(
      <Field label="Project name" error="Name is required">
        {(p) => <input {...p} />}
      </Field>,
    );
    const input = screen.getByLabelText("Project name");
    expect(input.getAttribute("aria-invalid")).toBe("true");
    const describedBy = input.getAttribute("aria-describedby") ?? "";
    expect(document.getElementById(describedBy)?.textContent).toBe("Name is required");
  });
});

describe("BillingChoice", () => {
  it("defaults to inherit and offers a new separate account", () => {
    let value: BillingChoiceValue = { mode: "inherit" };
    const { rerender } = render(
      <BillingChoice
        organizationId={undefined}
        organizationName={undefined}
        value={value}
        onChange={(v) => {
          value = v;
        }}
      />,
    );
    const inherit = screen.getByLabelText(/Inherit from organization/) as HTMLInputElement;
    expect(inherit.checked).toBe(true);
    fireEvent.click(screen.getByLabelText(/Separate billing/));
    expect(value).toEqual({ mode: "separate", account: "new" });
    expect(billingBody(value)).toEqual({ mode: "separate" });
    rerender(
      <BillingChoice
        organizationId={undefined}
        organizationName={undefined}
        value={value}
        onChange={() => {}}
      />,
    );
    expect(screen.getByLabelText(/A new billing account for this project/)).toBeTruthy();
    expect(billingBody({ mode: "separate", account: "ba_9" })).toEqual({
      mode: "separate",
      billing_account_id: "ba_9",
    });
  });
});

describe("BarChart", () => {
  it("draws one bar per group and labels the chart", () => {
    render(
      <BarChart
        title="Costs by project"
        currency="usd"
        bars={[
          { key: "a", name: "Web", amount: 1000, projected: 9900 },
          { key: "b", name: "API", amount: 0, projected: 0 },
        ]}
      />,
    );
    expect(screen.getAllByTestId("chart-bar")).toHaveLength(2);
    expect(screen.getByRole("img").getAttribute("aria-label")).toContain("Web $10.00 so far");
    expect(screen.getByTitle("Web").textContent).toBe("Web");
  });
});

describe("Dialog", () => {
  function Harness() {
    const [open, setOpen] = useState(false);
    return (
      <>
        <button type="button" onClick={() => setOpen(true)}>
          Delete…
        </button>
        <Dialog title="Delete it?" open={open} onClose={() => setOpen(false)}>
          <button type="button" onClick={() => setOpen(false)}>
            Cancel
          </button>
        </Dialog>
      </>
    );
  }

  it("takes the focus to its title (not a button) and gives it back to the opener", () => {
    render(<Harness />);
    const opener = screen.getByRole("button", { name: "Delete…" });
    opener.focus();
    fireEvent.click(opener);
    expect(document.activeElement?.textContent).toBe("Delete it?");
    fireEvent.click(screen.getByText("Cancel"));
    expect(document.activeElement).toBe(opener);
  });
});
