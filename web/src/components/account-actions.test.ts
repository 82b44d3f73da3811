import { describe, expect, it } from "vitest";
import { closeBlocker, primaryMoves } from "./account-actions";

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

describe("what making an account the primary moves", () => {
  it("says it in counts, whatever the organization holds", () => {
    expect(primaryMoves({ resources: 12_345, projects: 3 })).toBe(
      "12,345 resources in 3 projects will move.",
    );
    expect(primaryMoves({ resources: 1, projects: 1 })).toBe("1 resource in 1 project will move.");
    expect(primaryMoves({ resources: 0, projects: 2 })).toBe(
      "2 projects will change payer; none has resources yet.",
    );
    expect(primaryMoves({ resources: 0, projects: 1 })).toBe(
      "1 project will change payer; it has no resources yet.",
    );
    expect(primaryMoves({ resources: 0, projects: 0 })).toBe(
      "No project inherits its billing now: only new ones will be billed to it.",
    );
  });
});
