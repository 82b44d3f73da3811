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
      const mode = sku.tiers_mode === "graduated" ? "Graduated" : "Volume";
      const tiers = sku.tiers ?? [];
      if (tiers.length === 0) return `${mode} pricing / ${per}`;
      const parts = tiers.map((t, i) => {
        const each = `${formatMoney(t.unit_amount, sku.currency)} each`;
        const flat = t.flat_amount ? ` + ${formatMoney(t.flat_amount, sku.currency)}` : "";
        if (t.up_to !== null) return `${each}${flat} up to ${t.up_to}`;
        return i === 0 ? `${each}${flat}` : `${each}${flat} beyond`;
      });
      return `${mode} tiers: ${parts.join(", ")} / ${per}`;
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
