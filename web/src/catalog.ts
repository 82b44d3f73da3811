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

/** What `quantity` units of a tiered SKU cost per interval, in minor units. */
export function tieredTotal(sku: Sku, quantity: number): number {
  const tiers = sku.tiers ?? [];
  if (quantity <= 0 || tiers.length === 0) return 0;
  if (sku.tiers_mode === "graduated") {
    let total = 0;
    let below = 0;
    for (const t of tiers) {
      const cap = t.up_to ?? Number.POSITIVE_INFINITY;
      const inTier = Math.min(quantity, cap) - below;
      if (inTier <= 0) break;
      total += inTier * t.unit_amount + (t.flat_amount ?? 0);
      below = cap;
    }
    return total;
  }
  const tier = tiers[volumeTier(sku, quantity)] as Tier;
  return quantity * tier.unit_amount + (tier.flat_amount ?? 0);
}

/** The index of the volume tier `quantity` units fall in. */
export function volumeTier(sku: Sku, quantity: number): number {
  const tiers = sku.tiers ?? [];
  const i = tiers.findIndex((t) => t.up_to === null || quantity <= t.up_to);
  return i === -1 ? tiers.length - 1 : i;
}

/**
 * Why adding one unit of a tiered SKU changes the monthly bill by `delta`, in words; null when
 * the price is not tiered or the delta cannot be explained from the tiers. The current count on
 * the paying account is the smallest one whose next unit costs exactly `delta`.
 */
export function explainTieredDelta(sku: Sku, delta: number, noun: string): string | null {
  if (sku.billing_model !== "tiered" || !sku.tiers?.length) return null;
  const money = (v: number) => formatMoney(v, sku.currency);
  let have = -1;
  for (let q = 0; q <= 10_000; q++) {
    if (tieredTotal(sku, q + 1) - tieredTotal(sku, q) === delta) {
      have = q;
      break;
    }
  }
  if (have < 0) return null;
  if (sku.tiers_mode === "graduated") {
    let below = 0;
    for (const t of sku.tiers) {
      if (t.up_to === null || have + 1 <= t.up_to) {
        const start = below + 1;
        return `Graduated pricing: each ${noun} is priced by the tier it falls in. This one falls in the tier from ${start} up (${money(t.unit_amount)} each); the others keep their price.`;
      }
      below = t.up_to;
    }
    return null;
  }
  const after = sku.tiers[volumeTier(sku, have + 1)] as Tier;
  if (have > 0 && volumeTier(sku, have) !== volumeTier(sku, have + 1)) {
    const before = sku.tiers[volumeTier(sku, have)] as Tier;
    const change = delta < 0 ? "goes down" : "goes up";
    return `Volume pricing: every ${noun} on this account is priced by how many there are. You have ${have}; adding this one moves all ${have + 1} to the ${money(after.unit_amount)} tier (${money(after.unit_amount)} each instead of ${money(before.unit_amount)}): your monthly bill ${change} by ${money(Math.abs(delta))}, from ${money(tieredTotal(sku, have))} to ${money(tieredTotal(sku, have + 1))}.`;
  }
  return `Volume pricing: every ${noun} on this account is priced by how many there are; at this count each costs ${money(after.unit_amount)} a month.`;
}
