import type { ResourceType, Sku } from "./api";
import { formatMoney } from "./money";

export function intervalWord(interval: string): string {
  if (interval === "month") return "month";
  if (interval === "year") return "year";
  return interval;
}

/** One line describing an SKU's price, e.g. "$99.00 / month" or "Free". */
export function describePrice(sku: Sku): string {
  const per = intervalWord(sku.interval);
  switch (sku.billing_model) {
    case "free":
      return "Free";
    case "per_unit":
      return `${formatMoney(sku.unit_amount, sku.currency)} / ${per}`;
    case "metered":
      return `${formatMoney(sku.unit_amount, sku.currency)} per unit used, billed each ${per}`;
    case "tiered": {
      const first = sku.tiers?.[0];
      const from = first ? formatMoney(first.flat_amount ?? first.unit_amount, sku.currency) : null;
      const mode = sku.tiers_mode === "graduated" ? "graduated" : "volume";
      return from ? `Tiered (${mode}), from ${from} / ${per}` : `Tiered (${mode}) / ${per}`;
    }
    default:
      return `${formatMoney(sku.unit_amount, sku.currency)} / ${per}`;
  }
}

export function typeName(types: ResourceType[] | undefined, type: string): string {
  return types?.find((t) => t.type === type)?.name ?? type;
}

export function findSku(
  types: ResourceType[] | undefined,
  type: string,
  sku: string,
): Sku | undefined {
  return types?.find((t) => t.type === type)?.skus.find((s) => s.sku === sku);
}
