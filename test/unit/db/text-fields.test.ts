import { describe, expect, it } from "vitest";
import { textFields } from "../../../src/db/typed.js";

describe("a read's rows sent as one text", () => {
  it("gives the fields of whole rows", () => {
    expect(textFields({ text: "res_a 12 res_b 0", perRow: 2 })).toEqual([
      "res_a",
      "12",
      "res_b",
      "0",
    ]);
  });

  it("refuses a text an id with a space would shift, rather than misread it", () => {
    expect(() => textFields({ text: "res a 12 res_b 0", perRow: 2 })).toThrow(/whole rows/);
  });
});
