import { describe, expect, it } from "vitest";
import { decimalString, formatMoney, formatPeriodEnd, fractionDigits } from "./money";

describe("money display", () => {
  it("uses the currency's fraction digits", () => {
    expect(fractionDigits("usd")).toBe(2);
    expect(fractionDigits("JPY")).toBe(0);
    expect(fractionDigits("KWD")).toBe(3);
  });
  it("formats minor units", () => {
    expect(formatMoney(9900, "usd")).toBe("$99.00");
    expect(formatMoney(123456, "usd")).toBe("$1,234.56");
    expect(formatMoney(500, "jpy")).toBe("¥500");
    expect(formatMoney(1005, "kwd")).toMatch(/1\.005/);
  });
  it("writes plain decimals for CSV", () => {
    expect(decimalString(5, "usd")).toBe("0.05");
    expect(decimalString(123456, "usd")).toBe("1234.56");
    expect(decimalString(-250, "usd")).toBe("-2.50");
    expect(decimalString(500, "jpy")).toBe("500");
    expect(decimalString(1005, "kwd")).toBe("1.005");
  });
  it("shows an exclusive period end as the last day covered", () => {
    expect(formatPeriodEnd("2026-12-01T00:00:00.000Z")).toBe("Nov 30, 2026");
  });
});
