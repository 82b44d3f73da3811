import type { ResponseOf } from "./api";
import { formatMoney } from "./money";

export interface Tier {
  up_to: number | null;
  unit_amount: number;
  flat_amount?: number;
}
export type BillingModel = "free" | "per_unit" | "tiered" | "metered";
/** One price of the catalog, as the console reads it (see `readSku`). */
export interface Sku {
  sku: string;
  billing_model: BillingModel;
  /** Null for free and tiered prices (the tiers carry the amounts). */
  unit_amount: number | null;
  interval: string;
  tiers_mode?: "graduated" | "volume";
  tiers?: Tier[];
  currency: string;
}
export interface ResourceType {
  type: string;
  name: string;
  skus: Sku[];
}

type RawResourceType = ResponseOf<"/v1/resource-types", "get">["data"][number];
type RawSku = RawResourceType["skus"][number];

const BILLING_MODELS: readonly string[] = ["free", "per_unit", "tiered", "metered"];
const isBillingModel = (v: string): v is BillingModel => BILLING_MODELS.includes(v);
const str = (v: unknown, fallback: string) => (typeof v === "string" ? v : fallback);
const amount = (v: unknown) => (typeof v === "number" && Number.isSafeInteger(v) ? v : null);

function readTier(raw: unknown): Tier | null {
  if (!raw || typeof raw !== "object") return null;
  const t = raw as Record<string, unknown>;
  const unit = amount(t.unit_amount);
  if (unit === null) return null;
  const flat = amount(t.flat_amount);
  return {
    up_to: amount(t.up_to),
    unit_amount: unit,
    ...(flat !== null ? { flat_amount: flat } : {}),
  };
}

/**
 * The API documents an SKU as an open object (the catalog allows extra fields), so the console
 * reads the fields it shows here instead of trusting a shape.
 */
export function readSku(raw: RawSku): Sku {
  const model = str(raw.billing_model, "");
  const mode = raw.tiers_mode;
  const tiers = Array.isArray(raw.tiers)
    ? raw.tiers.map(readTier).filter((t): t is Tier => t !== null)
    : undefined;
  return {
    sku: str(raw.sku, ""),
    billing_model: isBillingModel(model) ? model : "per_unit",
    unit_amount: amount(raw.unit_amount),
    interval: str(raw.interval, "month"),
    currency: str(raw.currency, ""),
    ...(mode === "graduated" || mode === "volume" ? { tiers_mode: mode } : {}),
    ...(tiers ? { tiers } : {}),
  };
}

export function readResourceType(raw: RawResourceType): ResourceType {
  return { type: raw.type, name: raw.name, skus: raw.skus.map(readSku) };
}

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
