import { sql } from "kysely";
import type { Catalog } from "../catalog/load-catalog.js";
import {
  effectiveInstant,
  type PriceBook,
  type PriceSchedule,
  type PriceVersion,
} from "../domain/price-versions.js";
import { type Price, priceKey } from "../domain/pricing.js";
import type { Database, Queryable } from "./database.js";
import { execute, rows, sqlb } from "./typed.js";

/** The same price definition, whatever order jsonb gave its keys back in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function sameDefinition(a: Price, b: Price): boolean {
  return canonical(a) === canonical(b);
}

type VersionRow = {
  resource_type: string;
  sku: string;
  version: number;
  definition: unknown;
  created_at: Date;
  effective_from: Date | null;
  grandfathered: boolean;
  stated_effective_from: Date | null;
  moved_at: Date | null;
};

async function versionRows(db: Queryable): Promise<VersionRow[]> {
  return rows(
    db,
    sqlb
      .selectFrom("ktrlplane.price_versions")
      .select([
        "resource_type",
        "sku",
        "version",
        "definition",
        "created_at",
        "effective_from",
        "grandfathered",
        "stated_effective_from",
        "moved_at",
      ])
      .orderBy("resource_type")
      .orderBy("sku")
      .orderBy("version"),
  );
}

function bookOf(stored: VersionRow[]): PriceBook {
  const book = new Map<string, PriceVersion[]>();
  for (const row of stored) {
    const key = priceKey(row);
    const versions = book.get(key) ?? [];
    versions.push({
      version: row.version,
      // Stored by `storeCatalog` from a validated catalog entry, never updated.
      price: row.definition as Price,
      created_at: row.created_at,
      effective_from: row.effective_from,
      grandfathered: row.grandfathered,
    });
    book.set(key, versions);
  }
  return book;
}

/**
 * Every stored version of every price, and which moves of existing resources the pass has made
 * (`"type/sku#version"`). The worker reads it on each pass: another process may have started with
 * a newer catalog.
 */
export async function loadPriceBook(options: {
  db: Queryable;
}): Promise<{ prices: PriceBook; moved: Set<string> }> {
  const stored = await versionRows(options.db);
  return {
    prices: bookOf(stored),
    moved: new Set(
      stored.filter((r) => r.moved_at !== null).map((r) => `${priceKey(r)}#${r.version}`),
    ),
  };
}

/** Every stored (price, version): all a ledger row can name, read without the definitions. */
export async function storedPriceVersions(options: {
  db: Queryable;
}): Promise<{ resource_type: string; sku: string; price_version: number }[]> {
  return rows(
    options.db,
    sqlb
      .selectFrom("ktrlplane.price_versions")
      .select(["resource_type", "sku", "version as price_version"]),
  );
}

/**
 * Mirrors the catalog into `resource_pricing` and records its prices as versions: a price whose
 * definition differs from its latest stored version becomes a new version (`created_at` = `at`),
 * with the instant existing resources move to it from the catalog's `effective_from` /
 * `grandfathered` (default: the next billing period). Versions are never rewritten; only a move
 * still ahead may be rescheduled by a later catalog. Prices gone from the file are archived and
 * their versions kept, because intervals already billed at them must still be priced. One
 * transaction under a table lock, so processes starting together record one version, not two.
 */
export async function storeCatalog(options: {
  db: Database;
  catalog: Catalog;
  at: Date;
}): Promise<{ prices: PriceBook; notices: string[] }> {
  const { db, catalog, at } = options;
  const current = new Map<string, { price: Price; schedule: PriceSchedule }>();
  for (const type of catalog.resourceTypes) {
    for (const price of type.skus) {
      current.set(priceKey(price), {
        price,
        schedule: catalog.schedules.get(priceKey(price)) ?? {},
      });
    }
  }
  return db.transaction(async (tx) => {
    await tx.query("LOCK TABLE ktrlplane.price_versions IN SHARE ROW EXCLUSIVE MODE");
    const notices: string[] = [];
    for (const { price } of current.values()) {
      await execute(
        tx,
        sqlb
          .insertInto("ktrlplane.resource_pricing")
          .values({
            resource_type: price.resource_type,
            sku: price.sku,
            billing_model: price.billing_model,
            unit_amount: price.unit_amount,
            currency: price.currency,
            stripe_price_id: price.stripe_price_id ?? null,
            definition: JSON.stringify(price),
            archived: false,
            updated_at: at,
          })
          .onConflict((oc) =>
            oc.columns(["resource_type", "sku"]).doUpdateSet((eb) => ({
              billing_model: eb.ref("excluded.billing_model"),
              unit_amount: eb.ref("excluded.unit_amount"),
              currency: eb.ref("excluded.currency"),
              stripe_price_id: eb.ref("excluded.stripe_price_id"),
              definition: eb.ref("excluded.definition"),
              archived: false,
              updated_at: eb.ref("excluded.updated_at"),
            })),
          ),
      );
    }

    const stored = await versionRows(tx);
    const byKey = new Map<string, VersionRow[]>();
    for (const row of stored) byKey.set(priceKey(row), [...(byKey.get(priceKey(row)) ?? []), row]);
    for (const [key, { price, schedule }] of current) {
      const history = byKey.get(key) ?? [];
      const latest = history.at(-1);
      if (!latest) {
        await insertVersion({ db: tx, price, version: 1, at, effective_from: null, schedule });
      } else if (!sameDefinition(latest.definition as Price, price)) {
        refuseReusedStripePrice({ key, price, history });
        const { effective_from, clamped } = effectiveInstant({ schedule, recordedAt: at });
        if (clamped) {
          notices.push(
            `${key}: effective_from ${schedule.effective_from?.toISOString()} had passed when version ${latest.version + 1} was recorded; existing resources move at ${effective_from?.toISOString()} (the past never changes)`,
          );
        }
        await insertVersion({
          db: tx,
          price,
          version: latest.version + 1,
          at,
          effective_from,
          schedule,
        });
      } else if (latest.version > 1 && scheduleChanged(latest, schedule)) {
        const pending =
          latest.moved_at === null &&
          (latest.effective_from === null || latest.effective_from.getTime() > at.getTime());
        if (!pending) {
          notices.push(
            `${key}: the new effective_from/grandfathered of version ${latest.version} is ignored: existing resources moved to it at ${latest.effective_from?.toISOString()} already; a change now needs a new price definition`,
          );
          continue;
        }
        const { effective_from } = effectiveInstant({ schedule, recordedAt: at });
        await execute(
          tx,
          sqlb
            .updateTable("ktrlplane.price_versions")
            .set({
              effective_from,
              grandfathered: schedule.grandfathered ?? false,
              stated_effective_from: schedule.effective_from ?? null,
            })
            .where("resource_type", "=", latest.resource_type)
            .where("sku", "=", latest.sku)
            .where("version", "=", latest.version)
            .where("moved_at", "is", null),
        );
        notices.push(
          `${key}: version ${latest.version} rescheduled: existing resources move ${effective_from ? `at ${effective_from.toISOString()}` : "never (grandfathered)"}`,
        );
      }
    }

    await execute(
      tx,
      sqlb
        .updateTable("ktrlplane.resource_pricing")
        .set({ archived: true, updated_at: at })
        .where("archived", "=", false)
        .where(
          sql<string>`resource_type || '/' || sku`,
          "not in",
          current.size > 0 ? [...current.keys()] : [""],
        ),
    );
    return { prices: bookOf(await versionRows(tx)), notices };
  });
}

function scheduleChanged(row: VersionRow, schedule: PriceSchedule): boolean {
  return (
    row.grandfathered !== (schedule.grandfathered ?? false) ||
    (row.stated_effective_from?.getTime() ?? null) !== (schedule.effective_from?.getTime() ?? null)
  );
}

/**
 * Stripe prices are immutable: a `stripe_price_id` that bills an earlier version bills its
 * amounts, whatever the new definition says. Each version needs a Stripe price of its own.
 */
function refuseReusedStripePrice(options: {
  key: string;
  price: Price;
  history: VersionRow[];
}): void {
  const { key, price, history } = options;
  if (!price.stripe_price_id) return;
  const earlier = history.find(
    (row) => (row.definition as Price).stripe_price_id === price.stripe_price_id,
  );
  if (earlier) {
    throw new Error(
      `Catalog: ${key}: stripe_price_id ${price.stripe_price_id} already bills version ${earlier.version} of this price, whose definition differs; Stripe prices are immutable: give the new definition a Stripe price of its own (or none, to have one created)`,
    );
  }
}

async function insertVersion(options: {
  db: Queryable;
  price: Price;
  version: number;
  at: Date;
  effective_from: Date | null;
  schedule: PriceSchedule;
}): Promise<void> {
  const { db, price, version, at, effective_from, schedule } = options;
  await execute(
    db,
    sqlb.insertInto("ktrlplane.price_versions").values({
      resource_type: price.resource_type,
      sku: price.sku,
      version,
      definition: JSON.stringify(price),
      created_at: at,
      effective_from,
      grandfathered: version > 1 && (schedule.grandfathered ?? false),
      stated_effective_from: version > 1 ? (schedule.effective_from ?? null) : null,
    }),
  );
}

/** Records that every interval a move cuts has been cut: the pass skips it from then on. */
export async function markVersionMoved(options: {
  db: Queryable;
  resourceType: string;
  sku: string;
  version: number;
  at: Date;
}): Promise<void> {
  await execute(
    options.db,
    sqlb
      .updateTable("ktrlplane.price_versions")
      .set({ moved_at: options.at })
      .where("resource_type", "=", options.resourceType)
      .where("sku", "=", options.sku)
      .where("version", "=", options.version)
      .where("moved_at", "is", null),
  );
}
