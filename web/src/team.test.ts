import { describe, expect, it } from "vitest";
import { NAME_MAX_LENGTH, nameProblem } from "../../src/domain/names.js";
import { defaultOrganizationName } from "./pages/new-organization";

describe("team helpers", () => {
  it("prefills a first organization's name from the first name, never the full name alone", () => {
    expect(defaultOrganizationName("Ada Lovelace")).toBe("Ada's organization");
    expect(defaultOrganizationName("  ")).toBe("My organization");
    expect(defaultOrganizationName(undefined)).toBe("My organization");
  });
  it("validates names as the API does: trimmed, not blank, at most the shared limit", () => {
    expect(nameProblem("  ")).toBe("must not be blank");
    expect(nameProblem("x".repeat(NAME_MAX_LENGTH))).toBeNull();
    expect(nameProblem(` ${"x".repeat(NAME_MAX_LENGTH)} `)).toBeNull();
    expect(nameProblem("x".repeat(NAME_MAX_LENGTH + 1))).toMatch(/at most 200/);
  });
});
