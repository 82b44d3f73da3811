import type { Preview, ResponseOf } from "./api";
import { formatDate, formatDateTime, formatMoney, formatUnitAmount } from "./money";

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
  /** The price version new resources take (absent from servers without versions). */
  version?: number;
  /** Every version, for resources still billed at an earlier one. */
  versions?: SkuVersion[];
  /** Metered, instead of unit_amount: minor units as exact decimal text ("0.002"). */
  unit_amount_decimal?: string;
  /** Metered per package: how many units the unit amount buys. */
  package_size?: number;
  /** The event name of the meter a metered price reads its usage from. */
  meter?: string;
  /** That meter's display name ("Flow runs"), when the API gives it. */
  meter_name?: string;
  /** What one unit of that meter is called, when the catalog says. */
  meter_unit?: UnitNames;
}
export interface UnitNames {
  one: string;
  other: string;
}
/** One version of an SKU's price: what its resources are billed at. */
export type SkuVersion = Pick<
  Sku,
  "billing_model" | "unit_amount" | "unit_amount_decimal" | "package_size" | "tiers_mode" | "tiers"
> & {
  version: number;
};
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
export function readSku(raw: Omit<RawSku, "meter"> & { meter?: unknown }): Sku {
  const versions = Array.isArray(raw.versions)
    ? raw.versions.map((v) => ({ version: v.version, ...readPriceFields(v) }))
    : undefined;
  return {
    sku: str(raw.sku, ""),
    ...readPriceFields(raw),
    interval: str(raw.interval, "month"),
    currency: str(raw.currency, ""),
    ...(typeof raw.version === "number" ? { version: raw.version } : {}),
    ...(versions ? { versions } : {}),
    ...meterOf(raw.meter),
  };
}

function meterOf(raw: unknown): Pick<Sku, "meter" | "meter_name" | "meter_unit"> {
  if (!raw || typeof raw !== "object") return {};
  const m = raw as Record<string, unknown>;
  if (typeof m.event_name !== "string") return {};
  const unit = unitNames(m);
  return {
    meter: m.event_name,
    ...(typeof m.name === "string" && m.name !== "" ? { meter_name: m.name } : {}),
    ...(unit ? { meter_unit: unit } : {}),
  };
}

/** A meter's unit names as the API gives them (`unit_name`, `unit_name_plural`), if any. */
export function unitNames(meter: {
  unit_name?: unknown;
  unit_name_plural?: unknown;
}): UnitNames | null {
  if (typeof meter.unit_name !== "string") return null;
  const other = meter.unit_name_plural;
  return { one: meter.unit_name, other: typeof other === "string" ? other : `${meter.unit_name}s` };
}

function readPriceFields(raw: Record<string, unknown>): Omit<SkuVersion, "version"> {
  const model = str(raw.billing_model, "");
  const mode = raw.tiers_mode;
  const tiers = Array.isArray(raw.tiers)
    ? raw.tiers.map(readTier).filter((t): t is Tier => t !== null)
    : undefined;
  const decimal = raw.unit_amount_decimal;
  const packageSize = amount(raw.package_size);
  return {
    billing_model: isBillingModel(model) ? model : "per_unit",
    unit_amount: amount(raw.unit_amount),
    ...(typeof decimal === "string" ? { unit_amount_decimal: decimal } : {}),
    ...(packageSize !== null ? { package_size: packageSize } : {}),
    ...(mode === "graduated" || mode === "volume" ? { tiers_mode: mode } : {}),
    ...(tiers ? { tiers } : {}),
  };
}

/** The SKU as billed at one of its versions (the current one when that version is unknown). */
export function skuAtVersion(sku: Sku, version: number | undefined): Sku {
  const at = version === undefined ? undefined : sku.versions?.find((v) => v.version === version);
  if (!at) return sku;
  const { version: _version, ...fields } = at;
  // Fields a version may lack come from that version only, never from the current price.
  const {
    tiers_mode: _mode,
    tiers: _tiers,
    unit_amount_decimal: _decimal,
    package_size: _package,
    ...rest
  } = sku;
  return { ...rest, ...fields };
}

export function readResourceType(raw: RawResourceType): ResourceType {
  return { type: raw.type, name: raw.name, skus: raw.skus.map(readSku) };
}

export function intervalWord(interval: string): string {
  if (interval === "month") return "month";
  if (interval === "year") return "year";
  return interval;
}

/** One line describing an SKU's price, e.g. "$99.00 / month", "$0.02 per run" or "Free". */
export function describePrice(sku: Sku): string {
  const per = intervalWord(sku.interval);
  switch (sku.billing_model) {
    case "free":
      return "Free";
    case "per_unit":
      return `${formatMoney(sku.unit_amount, sku.currency)} / ${per}`;
    case "metered":
      return describeUsagePrice({ usage: usagePricingOf(sku), currency: sku.currency });
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

/**
 * How a metered price turns a month's usage into money: the shape of the price preview's
 * `usage_price`, which the catalog's SKUs are read into too so both are described alike.
 */
export interface UsagePricing {
  scheme: "per_unit" | "tiered" | "package";
  /** Per unit or per package, in minor units as exact decimal text; null when tiered. */
  unit_amount_decimal: string | null;
  package_size: number | null;
  tiers_mode: "graduated" | "volume" | null;
  tiers: Tier[] | null;
  unit: UnitNames | null;
}

export function usagePricingOf(sku: Sku): UsagePricing {
  const tiers = sku.tiers?.length ? sku.tiers : null;
  const decimal =
    sku.unit_amount_decimal ?? (sku.unit_amount !== null ? String(sku.unit_amount) : null);
  return {
    scheme: tiers ? "tiered" : sku.package_size !== undefined ? "package" : "per_unit",
    unit_amount_decimal: tiers ? null : decimal,
    package_size: sku.package_size ?? null,
    tiers_mode: sku.tiers_mode ?? null,
    tiers,
    unit: sku.meter_unit ?? null,
  };
}

/** The preview's `usage_price` as a `UsagePricing`. */
export function usagePricingOfPreview(price: NonNullable<Preview["usage_price"]>): UsagePricing {
  return {
    scheme: price.scheme,
    unit_amount_decimal: price.unit_amount_decimal,
    package_size: price.package_size,
    tiers_mode: price.tiers_mode,
    tiers: price.tiers,
    unit: unitNames(price.meter),
  };
}

/**
 * A usage price in words, amounts exact from their decimal text: "$0.00002 per request",
 * "$5.00 per 1,000 runs", "tiered: first 1,000 runs $0.02 per run, then $0.01".
 */
export function describeUsagePrice(options: { usage: UsagePricing; currency: string }): string {
  const { usage, currency } = options;
  const one = usage.unit?.one ?? "unit";
  const other = usage.unit?.other ?? "units";
  const count = (n: number) => n.toLocaleString("en-US");
  const unitPrice =
    usage.unit_amount_decimal === null
      ? "—"
      : formatUnitAmount(usage.unit_amount_decimal, currency);
  if (usage.scheme === "package") {
    const size = usage.package_size ?? 1;
    return size === 1 ? `${unitPrice} per ${one}` : `${unitPrice} per ${count(size)} ${other}`;
  }
  if (usage.scheme === "per_unit") return `${unitPrice} per ${one}`;
  const tiers = usage.tiers ?? [];
  const money = (t: Tier, i: number) => {
    const each = `${formatMoney(t.unit_amount, currency)}${i === 0 ? ` per ${one}` : ""}`;
    return t.flat_amount ? `${each} plus ${formatMoney(t.flat_amount, currency)}` : each;
  };
  if (usage.tiers_mode === "volume") {
    const parts = tiers.map((t, i) => {
      if (t.up_to === null) return i === 0 ? money(t, i) : `then ${money(t, i)}`;
      return `up to ${count(t.up_to)}${i === 0 ? ` ${other}` : ""} ${money(t, i)}`;
    });
    return `volume: ${parts.join(", ")}; the month's total sets one price for all ${other}`;
  }
  let below = 0;
  const parts = tiers.map((t, i) => {
    if (t.up_to === null) return i === 0 ? money(t, i) : `then ${money(t, i)}`;
    const range = i === 0 ? `first ${count(t.up_to)} ${other}` : `next ${count(t.up_to - below)}`;
    below = t.up_to;
    return `${range} ${money(t, i)}`;
  });
  return `tiered: ${parts.join(", ")}`;
}

/** What a meter counts in a month, in words, naming the usage events a resource reports. */
export function describeMeter(
  meter: Pick<
    NonNullable<Preview["usage_price"]>["meter"],
    "event_name" | "aggregation" | "property"
  >,
): string {
  const events = `“${meter.event_name}” events`;
  switch (meter.aggregation) {
    case "sum":
      return `the month's total of the values of its ${events}`;
    case "count":
      return `the number of its ${events} in the month`;
    case "max":
      return `the highest value of its ${events} in the month`;
    case "latest":
      return `the value of its last “${meter.event_name}” event in the month`;
    case "unique_count":
      return `the number of distinct “${meter.property ?? ""}” values of its ${events} in the month`;
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

/** A moment shown as its day when it is a UTC midnight (a period start), else with its time. */
function formatInstant(iso: string): string {
  return iso.endsWith("T00:00:00.000Z") ? formatDate(iso) : formatDateTime(iso);
}

/**
 * The preview's scheduled price change in words: this price applies to new resources now, and
 * the account's resources still at an earlier price move to it on a date. Null when none is ahead.
 */
export function describeScheduledChange(preview: Preview, noun: string): string | null {
  const change = preview.scheduled_change;
  if (!change) return null;
  const when = formatInstant(change.effective_from);
  const since = formatDate(preview.price_version_since);
  const plural = (n: number) => (n === 1 ? noun : `${noun}s`);
  const head = `This price applies to new ${plural(2)} since ${since}.`;
  if (change.resources_moving === 0) {
    return `${head} Those created before then move to it on ${when}.`;
  }
  const after =
    change.monthly_amount !== preview.monthly_amount
      ? ` From then on one more costs ${formatMoney(change.monthly_amount, preview.currency)} a month.`
      : "";
  return `${head} The ${change.resources_moving} ${plural(change.resources_moving)} this account already runs at the earlier price move to it on ${when}.${after}`;
}
