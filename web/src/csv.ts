import type { Costs, GroupBy } from "./api";
import { decimalString } from "./money";

function cell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** The breakdown as CSV: one row per group and a total row; amounts as plain decimals. */
export function costsCsv(costs: Costs, groupBy: GroupBy): string {
  const rows = [["group_by", "key", "name", "amount", "projected_amount", "currency"]];
  for (const g of costs.groups)
    rows.push([
      groupBy,
      g.key,
      g.name,
      decimalString(g.amount, costs.currency),
      decimalString(g.projected_amount, costs.currency),
      costs.currency.toUpperCase(),
    ]);
  rows.push([
    groupBy,
    "",
    "Total",
    decimalString(costs.total, costs.currency),
    decimalString(costs.projected_total, costs.currency),
    costs.currency.toUpperCase(),
  ]);
  return `${rows.map((r) => r.map(cell).join(",")).join("\r\n")}\r\n`;
}
