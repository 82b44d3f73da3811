// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { ApiError } from "../api";
import { ConfirmDialog } from "./confirm-dialog";
import { NameForm } from "./name-form";

afterEach(cleanup);

const refused = (field?: string) =>
  new ApiError({
    status: 422,
    code: field ? "validation_failed" : "conflict",
    title: "Refused",
    detail: field ? `${field}: must not be blank` : "The account is still billed",
    ...(field ? { field } : {}),
  });

describe("ConfirmDialog", () => {
  it("does nothing before the confirmation, says it is working, and keeps a failure in view", async () => {
    let calls = 0;
    let fail: (e: unknown) => void = () => {};
    const closed: string[] = [];
    render(
      <ConfirmDialog
        title="Close “Marketing”?"
        onClose={() => closed.push("closed")}
        onConfirm={() => {
          calls++;
          return new Promise((_, reject) => {
            fail = reject;
          });
        }}
        confirmLabel="Close account"
        busyLabel="Closing…"
        tone="danger"
        failedTitle="The account was not closed."
      >
        <p>Nothing bills this account now.</p>
      </ConfirmDialog>,
    );
    expect(screen.getByText("Nothing bills this account now.")).toBeTruthy();
    expect(calls).toBe(0);
    fireEvent.click(screen.getByRole("button", { name: "Close account" }));
    expect(calls).toBe(1);
    const busy = screen.getByRole("button", { name: "Closing…" }) as HTMLButtonElement;
    expect(busy.disabled).toBe(true);
    await act(async () => fail(refused()));
    expect(screen.getByText("The account was not closed.")).toBeTruthy();
    // Still open, ready to try again or cancel.
    expect(
      (screen.getByRole("button", { name: "Close account" }) as HTMLButtonElement).disabled,
    ).toBe(false);
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(closed).toEqual(["closed"]);
  });

  it("offers no confirm button while what it asks about is still worked out", () => {
    render(
      <ConfirmDialog
        title="Make “EU” the primary account?"
        onClose={() => {}}
        onConfirm={async () => {}}
        confirmLabel="Make EU primary"
        failedTitle="The primary account was not changed."
        ready={false}
      >
        <p>Working out which projects change payer</p>
      </ConfirmDialog>,
    );
    expect(screen.queryByRole("button", { name: "Make EU primary" })).toBeNull();
  });
});

describe("NameForm", () => {
  it("refuses a blank name with the API's rule, shows the server's field error, sends the trimmed name", async () => {
    const sent: string[] = [];
    const saved: string[] = [];
    let answer: Promise<unknown> = Promise.reject(refused("name"));
    answer.catch(() => {});
    render(
      <NameForm
        formLabel="Rename Marketing"
        label="Account name"
        inputName="account-name"
        initial="Marketing"
        onSave={(name) => {
          sent.push(name);
          return answer;
        }}
        onSaved={(name) => saved.push(name)}
        onCancel={() => {}}
      />,
    );
    const field = screen.getByLabelText("Account name") as HTMLInputElement;
    expect(document.activeElement).toBe(field);
    fireEvent.change(field, { target: { value: "   " } });
    fireEvent.submit(screen.getByRole("form", { name: "Rename Marketing" }));
    expect(screen.getByText("The name must not be blank.")).toBeTruthy();
    expect(field.getAttribute("aria-invalid")).toBe("true");
    expect(sent).toEqual([]);

    fireEvent.change(field, { target: { value: "  Marketing EU " } });
    await act(async () => {
      fireEvent.submit(screen.getByRole("form", { name: "Rename Marketing" }));
    });
    expect(sent).toEqual(["Marketing EU"]);
    expect(field.getAttribute("aria-invalid")).toBe("true");
    expect(saved).toEqual([]);

    answer = Promise.resolve();
    await act(async () => {
      fireEvent.submit(screen.getByRole("form", { name: "Rename Marketing" }));
    });
    expect(saved).toEqual(["Marketing EU"]);
  });
});
