import { describe, expect, it } from "vitest";
import { closeBlocker } from "./account-actions";

describe("closing an account", () => {
  const account = {
    id: "ba1",
    organization_id: "o1",
    name: "Marketing",
    scope: "organization" as const,
    currency: "usd",
    status: "active",
    primary: false,
    closed_at: null,
    current_period: { start: "2026-11-01T00:00:00.000Z", end: "2026-12-01T00:00:00.000Z" },
    items: [],
    projects: [],
  };

  it("is possible once nothing bills it, and says why not otherwise", () => {
    expect(closeBlocker(account)).toBeNull();
    expect(closeBlocker({ ...account, primary: true })).toMatch(/primary account/);
    expect(closeBlocker({ ...account, projects: [{ id: "p1", name: "Campaigns" }] })).toBe(
      "It still pays for project “Campaigns”: switch it to another account first.",
    );
    expect(
      closeBlocker({
        ...account,
        projects: [
          { id: "p1", name: "Campaigns" },
          { id: "p2", name: "Shop" },
        ],
      }),
    ).toBe(
      "It still pays for 2 projects “Campaigns”, “Shop”: switch them to another account first.",
    );
  });
});
