import type { AppContext } from "../context.js";
import type { Queryable } from "../db/database.js";
import { activeQuantitiesOfAccounts } from "../db/ledger.js";
import { calendarMonthOf } from "../domain/billing-period.js";
import { priceVersion, versionAt } from "../domain/price-versions.js";
import { periodAmount, priceKey } from "../domain/pricing.js";
import { priceBookFor } from "./find-price.js";
import { meteredCharges } from "./metered-usage.js";

export interface AccountItem {
  resource_type: string;
  sku: string;
  /** The price version these resources are billed at now. */
  price_version: number;
  quantity: number;
  /**
   * Null for tiered prices, whose unit price depends on the quantity, and for metered ones priced
   * in fractions of a minor unit (`unit_amount_decimal`).
   */
  unit_amount: number | null;
  /** Metered prices: the period's aggregate of the meter so far (decimal text); else null. */
  usage_quantity: string | null;
  /** The full-period amount at the current quantity, tiers applied; metered: the usage so far. */
  amount: number;
}

type ActiveItem = { resource_type: string; sku: string; price_version: number; quantity: number };

/**
 * Active quantity per price version on each account, each interval at the version it is billed
 * at `at` (a move that is due counts even before the pass has cut the ledger). One statement for
 * all the accounts.
 */
export async function activeItemsOfAccounts(options: {
  ctx: AppContext;
  db: Queryable;
  billingAccountIds: string[];
  at: Date;
}): Promise<Map<string, ActiveItem[]>> {
  const { ctx, db, at } = options;
  const recorded = await activeQuantitiesOfAccounts({
    db,
    billingAccountIds: options.billingAccountIds,
  });
  const book = await priceBookFor({ ctx, db, refs: recorded });
  const merged = new Map<string, Map<string, ActiveItem>>();
  for (const { billing_account_id, ...q } of recorded) {
    const version = versionAt({ book, ref: q, version: q.price_version, at });
    const key = `${priceKey(q)}#${version}`;
    const items = merged.get(billing_account_id) ?? new Map<string, ActiveItem>();
    merged.set(billing_account_id, items);
    const item = items.get(key);
    if (item) item.quantity += q.quantity;
    else items.set(key, { ...q, price_version: version });
  }
  return new Map([...merged].map(([id, items]) => [id, [...items.values()]]));
}

/** `activeItemsOfAccounts` of one account. */
export async function activeItems(options: {
  ctx: AppContext;
  db: Queryable;
  billingAccountId: string;
  at: Date;
}): Promise<ActiveItem[]> {
  const { billingAccountId, ...rest } = options;
  const items = await activeItemsOfAccounts({ ...rest, billingAccountIds: [billingAccountId] });
  return items.get(billingAccountId) ?? [];
}

/**
 * Per account, one item per price version with quantity = the account's active resources billed
 * at it; one statement for all the accounts.
 */
export async function accountsItems(options: {
  ctx: AppContext;
  db: Queryable;
  billingAccountIds: string[];
}): Promise<Map<string, AccountItem[]>> {
  const { ctx } = options;
  const now = ctx.clock();
  const active = await activeItemsOfAccounts({ ...options, at: now });
  const month = calendarMonthOf(now);
  const metered = await meteredCharges({ ...options, from: month.start, to: month.end });
  const usageOf = new Map(
    metered.lines.map((line) => [
      `${line.billing_account_id}#${priceKey(line)}#${line.price_version}`,
      line,
    ]),
  );
  const items = new Map<string, AccountItem[]>();
  for (const [accountId, quantities] of active) {
    items.set(
      accountId,
      quantities.map(({ resource_type, sku, price_version, quantity }) => {
        const { price } = priceVersion(ctx.catalog.prices, { resource_type, sku }, price_version);
        if (price.billing_model === "metered") {
          const usage = usageOf.get(
            `${accountId}#${priceKey({ resource_type, sku })}#${price_version}`,
          );
          return {
            resource_type,
            sku,
            price_version,
            quantity,
            unit_amount: price.unit_amount,
            usage_quantity: usage?.usage_quantity ?? "0",
            amount: usage?.amount ?? 0,
          };
        }
        return {
          resource_type,
          sku,
          price_version,
          quantity,
          unit_amount:
            price.billing_model === "tiered"
              ? null
              : price.billing_model === "free"
                ? 0
                : price.unit_amount,
          usage_quantity: null,
          amount: periodAmount({ price, quantity }),
        };
      }),
    );
  }
  return items;
}

/** `accountsItems` of one account. */
export async function accountItems(options: {
  ctx: AppContext;
  db: Queryable;
  billingAccountId: string;
}): Promise<AccountItem[]> {
  const { billingAccountId, ...rest } = options;
  const items = await accountsItems({ ...rest, billingAccountIds: [billingAccountId] });
  return items.get(billingAccountId) ?? [];
}
