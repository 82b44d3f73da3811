import { describe, expect, it } from "vitest";
import { AppError } from "../../../src/domain/errors.js";
import {
  currencyExponent,
  formatMoney,
  fromStripeAmount,
  isCurrency,
  toStripeAmount,
} from "../../../src/domain/money.js";

describe("currencies", () => {
  it("knows the exponents billing users meet", () => {
    expect(currencyExponent("usd")).toBe(2);
    expect(currencyExponent("eur")).toBe(2);
    expect(currencyExponent("jpy")).toBe(0);
    expect(currencyExponent("krw")).toBe(0);
    expect(currencyExponent("kwd")).toBe(3);
    expect(currencyExponent("bhd")).toBe(3);
    expect(currencyExponent("clf")).toBe(4);
  });

  it("accepts active lowercase codes only", () => {
    for (const code of ["usd", "eur", "gbp", "chf", "jpy", "kwd", "xof", "xcg", "sle", "zwg"]) {
      expect(isCurrency(code)).toBe(true);
    }
    // Uppercase, withdrawn, precious metals and nonsense are all refused.
    for (const code of ["USD", "hrk", "sll", "xau", "xxx", "abc", "", "us"]) {
      expect(isCurrency(code)).toBe(false);
    }
  });

  it("throws validation_failed for an unknown currency", () => {
    expect(() => currencyExponent("xyz")).toThrowError(AppError);
    try {
      currencyExponent("xyz");
    } catch (e) {
      expect((e as AppError).code).toBe("validation_failed");
      expect((e as AppError).field).toBe("currency");
    }
  });
});

describe("formatMoney", () => {
  it("places the decimal point by the currency's exponent", () => {
    expect(formatMoney({ amount: 1234, currency: "usd" })).toBe("12.34 USD");
    expect(formatMoney({ amount: 1000, currency: "jpy" })).toBe("1,000 JPY");
    expect(formatMoney({ amount: 1234, currency: "kwd" })).toBe("1.234 KWD");
    expect(formatMoney({ amount: 5, currency: "kwd" })).toBe("0.005 KWD");
  });

  it("pads cents and groups thousands", () => {
    expect(formatMoney({ amount: 5, currency: "usd" })).toBe("0.05 USD");
    expect(formatMoney({ amount: 0, currency: "usd" })).toBe("0.00 USD");
    expect(formatMoney({ amount: 123456789, currency: "eur" })).toBe("1,234,567.89 EUR");
    expect(formatMoney({ amount: 999, currency: "jpy" })).toBe("999 JPY");
  });

  it("formats credits with a leading minus", () => {
    expect(formatMoney({ amount: -1050, currency: "usd" })).toBe("-10.50 USD");
    expect(formatMoney({ amount: -7, currency: "usd" })).toBe("-0.07 USD");
  });

  it("stays exact at the edge of the safe integer range", () => {
    expect(formatMoney({ amount: Number.MAX_SAFE_INTEGER, currency: "kwd" })).toBe(
      "9,007,199,254,740.991 KWD",
    );
  });

  it("refuses fractional amounts instead of formatting them", () => {
    expect(() => formatMoney({ amount: 12.5, currency: "usd" })).toThrowError(AppError);
  });
});

// https://docs.stripe.com/currencies (#zero-decimal, #three-decimal, #special-cases)
describe("toStripeAmount", () => {
  const stripe = (amount: number, currency: string) => toStripeAmount({ amount, currency });

  it("usd: two decimals on both sides, 1:1", () => {
    expect(stripe(1999, "usd")).toBe(1999);
    expect(stripe(1, "usd")).toBe(1);
    expect(fromStripeAmount({ amount: 1999, currency: "usd" })).toBe(1999);
  });

  it("jpy: zero-decimal on both sides, 1:1", () => {
    expect(stripe(500, "jpy")).toBe(500);
    expect(fromStripeAmount({ amount: 500, currency: "jpy" })).toBe(500);
  });

  it("isk: zero-decimal in ISO, sent as two-decimal with 00 (ISK 5 → 500)", () => {
    expect(stripe(5, "isk")).toBe(500);
    expect(stripe(1990, "isk")).toBe(199_000);
    expect(fromStripeAmount({ amount: 500, currency: "isk" })).toBe(5);
  });

  it("mga: two decimals in ISO, zero-decimal at Stripe; fractions are refused, not rounded", () => {
    expect(stripe(12_300, "mga")).toBe(123);
    expect(fromStripeAmount({ amount: 123, currency: "mga" })).toBe(12_300);
    expect(() => stripe(12_345, "mga")).toThrowError(AppError);
    expect(() => stripe(12_345, "mga")).toThrowError(/123\.45 MGA.*multiple of 100/);
  });

  it("kwd: three decimals, but the last must be 0", () => {
    expect(stripe(1_230, "kwd")).toBe(1_230);
    expect(() => stripe(1_235, "kwd")).toThrowError(/1\.235 KWD.*multiple of 10/);
    expect(stripe(0, "kwd")).toBe(0);
  });

  it("huf: charges take two-decimal amounts, 1:1 (payouts are the zero-decimal side)", () => {
    expect(stripe(12_550, "huf")).toBe(12_550);
    expect(stripe(10_000, "huf")).toBe(10_000);
  });

  it("refuses unknown currencies and non-integer amounts", () => {
    expect(() => stripe(100, "xyz")).toThrowError(AppError);
    expect(() => stripe(1.5, "usd")).toThrowError(AppError);
  });
});
