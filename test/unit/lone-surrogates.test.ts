import { describe, expect, it } from "vitest";
import { findUnstorableText } from "../../src/api/lone-surrogates.js";

describe("findUnstorableText", () => {
  it("finds NUL and lone surrogates, with their path", () => {
    expect(findUnstorableText({ name: "Dept \ud800" })).toEqual({
      path: ["name"],
      reason: "a lone UTF-16 surrogate",
    });
    expect(findUnstorableText({ a: [{ b: "ok" }, { b: "x\u0000" }] })).toEqual({
      path: ["a", "1", "b"],
      reason: "a NUL character",
    });
    expect(findUnstorableText({ tags: { "\udc00": "v" } })?.path).toEqual(["tags", "\udc00"]);
    expect(findUnstorableText("\udfff\ud800")?.path).toEqual([]);
  });

  it("accepts proper text, surrogate pairs included", () => {
    expect(findUnstorableText({ name: "db \u{1F680}", n: 1, list: ["é", null, true] })).toBe(
      undefined,
    );
  });
});

describe("findUnstorableText on deep input", () => {
  it("does not overflow the stack", () => {
    const deep = JSON.parse(`${"[".repeat(200_000)}"\\ud800"${"]".repeat(200_000)}`);
    expect(findUnstorableText({ metadata: deep })?.path).toHaveLength(200_001);
  });
});
