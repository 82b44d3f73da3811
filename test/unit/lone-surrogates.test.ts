import { describe, expect, it } from "vitest";
import {
  findUnstorableText,
  parsedFromStorableText,
  parseJsonBody,
} from "../../src/api/lone-surrogates.js";

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

describe("parseJsonBody", () => {
  it("vouches for a body only when its text has no escape that makes NUL or a surrogate", () => {
    expect(parsedFromStorableText(parseJsonBody('{"name":"caf\\u00e9 🚀"}'))).toBe(true);
    for (const text of [
      '{"name":"x\\u0000"}',
      '{"name":"\\ud800"}',
      '{"\\uDC00":"v"}',
      '{"name":"\\uD83D\\uDE80"}',
    ]) {
      const parsed = parseJsonBody(text);
      expect(parsedFromStorableText(parsed)).toBe(false);
    }
    // An escaped backslash before "u0000" is no NUL: not vouched for, and the walk finds nothing.
    const backslash = parseJsonBody('{"name":"\\\\u0000"}');
    expect(parsedFromStorableText(backslash)).toBe(false);
    expect(findUnstorableText(backslash)).toBe(undefined);
    expect(findUnstorableText(parseJsonBody('{"a":["\\u0000"]}'))?.path).toEqual(["a", "0"]);
  });
});
