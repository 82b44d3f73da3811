import { describe, expect, it } from "vitest";
import { resolveBillingAccountId } from "../../../src/domain/billing-scope.js";
import { rolesAllow } from "../../../src/domain/roles.js";

describe("which account pays for a project", () => {
  it("an inheriting project follows the organization's primary account", () => {
    expect(
      resolveBillingAccountId({
        project: { mode: "inherit", billing_account_id: null },
        primaryBillingAccountId: "ba_org",
      }),
    ).toBe("ba_org");
  });

  it("a separate project pays with its own (or its named) account", () => {
    expect(
      resolveBillingAccountId({
        project: { mode: "separate", billing_account_id: "ba_own" },
        primaryBillingAccountId: "ba_org",
      }),
    ).toBe("ba_own");
  });

  it("refuses a separate project without an account rather than guessing one", () => {
    expect(() =>
      resolveBillingAccountId({
        project: { mode: "separate", billing_account_id: null },
        primaryBillingAccountId: "ba_org",
      }),
    ).toThrow();
  });
});

describe("roles", () => {
  it("grant what the issue lists, and grants add up across scopes", () => {
    expect(rolesAllow({ roles: ["owner"], action: "manage_members" })).toBe(true);
    expect(rolesAllow({ roles: ["billing_admin"], action: "manage_billing" })).toBe(true);
    expect(rolesAllow({ roles: ["billing_admin"], action: "write_resources" })).toBe(false);
    expect(rolesAllow({ roles: ["editor"], action: "write_resources" })).toBe(true);
    expect(rolesAllow({ roles: ["editor"], action: "manage_billing" })).toBe(false);
    expect(rolesAllow({ roles: ["viewer"], action: "read" })).toBe(true);
    expect(rolesAllow({ roles: ["viewer"], action: "write_projects" })).toBe(false);
    expect(rolesAllow({ roles: ["viewer"], action: "read_audit" })).toBe(false);
    expect(rolesAllow({ roles: ["billing_admin", "editor"], action: "write_resources" })).toBe(
      true,
    );
    expect(rolesAllow({ roles: [], action: "read" })).toBe(false);
  });
});
