import type { Costs, GroupBy } from "./api";
import { decimalString } from "./money";

/**
 * One CSV cell. A text that a spreadsheet would read as a formula (it starts with = + - @, a tab
 * or a carriage return, e.g. a resource named `=HYPERLINK(…)`) is neutralised with a leading `'`
 * (OWASP's advice); our own plain decimal amounts such as "-10.00" are left as numbers.
 */
export function csvCell(value: string): string {
  const neutral =
    /^[=+\-@\t\r]/.test(value) && !/^-?\d+(\.\d+)?$/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(neutral) ? `"${neutral.replaceAll('"', '""')}"` : neutral;
}

/**
 * The breakdown as CSV: one row per group and a total row; amounts as plain decimals. Grouped by
 * resource, each row also names its project and says whether the resource was deleted.
 */
export function costsCsv(costs: Costs, groupBy: GroupBy): string {
  const perResource = groupBy === "resource";
  const extra = (values: string[]) => (perResource ? values : []);
  const rows = [
    [
      "group_by",
      "key",
      "name",
      ...extra(["project_id", "project_name", "deleted"]),
      "amount",
      "projected_amount",
      "currency",
    ],
  ];
  for (const g of costs.groups)
    rows.push([
      groupBy,
      g.key,
      g.name,
      ...extra([g.project_id ?? "", g.project_name ?? "", g.deleted ? "yes" : "no"]),
      decimalString(g.amount, costs.currency),
      decimalString(g.projected_amount, costs.currency),
      costs.currency.toUpperCase(),
    ]);
  rows.push([
    groupBy,
    "",
    "Total",
    ...extra(["", "", ""]),
    decimalString(costs.total, costs.currency),
    decimalString(costs.projected_total, costs.currency),
    costs.currency.toUpperCase(),
  ]);
  return `${rows.map((r) => r.map(csvCell).join(",")).join("\r\n")}\r\n`;
}
