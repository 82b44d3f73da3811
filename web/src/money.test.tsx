// @vitest-environment jsdom
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { formatMoney as serverFormat } from "../../src/domain/money.js";
import { itemPrice } from "./components/account-card";
import { lineQuantity } from "./components/invoice-lines";
import { Money } from "./components/ui";
import { decimalString, formatMoney, formatPeriodEnd, fractionDigits } from "./money";

afterEach(cleanup);

/** Intl puts a no-break space between an ISO code and the number; compare it as a space. */
const plain = (text: string) => text.replace(/\u00a0/g, " ");

// The browser's locale data says HUF, IDR and MGA have 0 decimals and IQD 0; ISO 4217 (and the
// server) say 2, 2, 2 and 3. The console follows the server's table.
const cases = [
  { currency: "huf", minor: 12345, exponent: 2, shown: "HUF 123.45", csv: "123.45" },
  { currency: "iqd", minor: 12345, exponent: 3, shown: "IQD 12.345", csv: "12.345" },
  { currency: "idr", minor: 12345, exponent: 2, shown: "IDR 123.45", csv: "123.45" },
  { currency: "mga", minor: 12345, exponent: 2, shown: "MGA 123.45", csv: "123.45" },
  { currency: "jpy", minor: 12345, exponent: 0, shown: "¥12,345", csv: "12345" },
  { currency: "kwd", minor: 12345, exponent: 3, shown: "KWD 12.345", csv: "12.345" },
  { currency: "usd", minor: 12345, exponent: 2, shown: "$123.45", csv: "123.45" },
];

describe("money display", () => {
  it.each(cases)("$currency: the exponent is the server's ISO 4217 one", (c) => {
    expect(fractionDigits(c.currency)).toBe(c.exponent);
    expect(fractionDigits(c.currency.toUpperCase())).toBe(c.exponent);
  });

  it.each(cases)("$currency: $minor minor units show as $shown", (c) => {
    expect(plain(formatMoney(c.minor, c.currency))).toBe(c.shown);
    expect(plain(formatMoney(c.minor, c.currency.toUpperCase()))).toBe(c.shown);
  });

  it.each(cases)("$currency: the CSV decimal and the server's amount agree", (c) => {
    expect(decimalString(c.minor, c.currency)).toBe(c.csv);
    // The server writes "123.45 HUF": the same digits, thousands separators aside.
    const server = serverFormat({ amount: c.minor, currency: c.currency });
    expect(server.replace(/,/g, "")).toBe(`${c.csv} ${c.currency.toUpperCase()}`);
  });

  it.each(cases)("$currency: the Money component renders $shown", (c) => {
    render(<Money amount={c.minor} currency={c.currency} />);
    expect(screen.getByText(c.shown).className).toBe("money");
  });

  it("formats larger, negative and tiny amounts exactly", () => {
    expect(formatMoney(9900, "usd")).toBe("$99.00");
    expect(formatMoney(123456, "usd")).toBe("$1,234.56");
    expect(formatMoney(-250, "usd")).toBe("-$2.50");
    expect(plain(formatMoney(5, "huf"))).toBe("HUF 0.05");
    expect(plain(formatMoney(1005, "kwd"))).toBe("KWD 1.005");
    expect(formatMoney(9007199254740991, "usd")).toBe("$90,071,992,547,409.91");
  });

  it("never guesses: no amount or an unknown currency shows a dash", () => {
    expect(formatMoney(null, "usd")).toBe("—");
    expect(formatMoney(undefined, "usd")).toBe("—");
    expect(formatMoney(100, "xyz")).toBe("—");
    expect(fractionDigits("xyz")).toBeNull();
    expect(() => decimalString(100, "xyz")).toThrow(/unknown currency/);
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

describe("account items", () => {
  const item = {
    resource_type: "storage",
    sku: "standard",
    price_version: 1,
    quantity: 3,
    usage_quantity: null,
    amount: 4500,
  };
  const types = [
    {
      type: "storage",
      name: "Storage",
      skus: [
        {
          sku: "standard",
          billing_model: "tiered" as const,
          tiers_mode: "volume" as const,
          interval: "month",
          currency: "usd",
          unit_amount: null,
          tiers: [{ up_to: null, unit_amount: 1500 }],
        },
      ],
    },
  ];
  it("shows the unit amount when there is one", () => {
    expect(plain(itemPrice({ ...item, unit_amount: 1500 }, types, "huf"))).toBe("HUF 15.00");
  });
  it("shows the tiers, or a dash, when the server sends no unit amount", () => {
    expect(itemPrice({ ...item, unit_amount: null }, types, "usd")).toBe(
      "Volume tiers: $15.00 each / month",
    );
    expect(itemPrice({ ...item, unit_amount: null }, undefined, "usd")).toBe("—");
  });
  it("shows the tiers of the version the resources are billed at", () => {
    const [storage] = types;
    const versioned = [
      {
        ...storage,
        skus: (storage?.skus ?? []).map((sku) => ({
          ...sku,
          version: 2,
          versions: [
            {
              version: 1,
              billing_model: "tiered" as const,
              unit_amount: null,
              tiers_mode: "volume" as const,
              tiers: [{ up_to: null, unit_amount: 1000 }],
            },
            { version: 2, ...sku },
          ],
        })),
      },
    ] as typeof types;
    expect(itemPrice({ ...item, unit_amount: null }, versioned, "usd")).toBe(
      "Volume tiers: $10.00 each / month",
    );
    expect(itemPrice({ ...item, unit_amount: null, price_version: 2 }, versioned, "usd")).toBe(
      "Volume tiers: $15.00 each / month",
    );
  });
  it("prices a metered item's usage, not its resource count", () => {
    const flow = [
      {
        type: "flow",
        name: "Flow",
        skus: [
          {
            sku: "runs",
            billing_model: "metered" as const,
            interval: "month",
            currency: "usd",
            unit_amount: 2,
            meter: "flow_runs",
            meter_unit: { one: "run", other: "runs" },
          },
        ],
      },
    ];
    const metered = { ...item, resource_type: "flow", sku: "runs", unit_amount: 2, quantity: 2 };
    expect(itemPrice({ ...metered, usage_quantity: "12345.5" }, flow, "usd")).toBe(
      "$0.02 per run × 12,345.5 runs used",
    );
    // On the upcoming invoice's lines too: the usage, not the 2 resources whose usage it is.
    expect(lineQuantity({ ...metered, usage_quantity: "1500" }, flow)).toBe("1,500 runs used");
    expect(lineQuantity({ ...metered, usage_quantity: null }, flow)).toBe("2");
  });
});
