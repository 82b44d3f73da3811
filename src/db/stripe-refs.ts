import type { Queryable } from "./database.js";
import { execute, first, sqlb } from "./typed.js";

export async function findStripeCustomerId(options: {
  db: Queryable;
  billingAccountId: string;
}): Promise<string | undefined> {
  const row = await first(
    options.db,
    sqlb
      .selectFrom("ktrlplane.stripe_customers")
      .select("customer_id")
      .where("billing_account_id", "=", options.billingAccountId),
  );
  return row?.customer_id;
}

export async function storeStripeCustomerId(options: {
  db: Queryable;
  billingAccountId: string;
  customerId: string;
}): Promise<void> {
  await execute(
    options.db,
    sqlb
      .insertInto("ktrlplane.stripe_customers")
      .values({ billing_account_id: options.billingAccountId, customer_id: options.customerId })
      .onConflict((oc) => oc.doNothing()),
  );
}

export async function findAccountByStripeCustomer(options: {
  db: Queryable;
  customerId: string;
}): Promise<string | undefined> {
  const row = await first(
    options.db,
    sqlb
      .selectFrom("ktrlplane.stripe_customers")
      .select("billing_account_id")
      .where("customer_id", "=", options.customerId),
  );
  return row?.billing_account_id;
}

/** A Stripe price created for a catalog price version, and the scale its meter takes usage at. */
export async function findStripePrice(options: {
  db: Queryable;
  priceKey: string;
  definitionHash: string;
}): Promise<{ price_id: string; value_decimals: number } | undefined> {
  return first(
    options.db,
    sqlb
      .selectFrom("ktrlplane.stripe_prices")
      .select(["price_id", "value_decimals"])
      .where("price_key", "=", options.priceKey)
      .where("definition_hash", "=", options.definitionHash),
  );
}

export async function storeStripePriceId(options: {
  db: Queryable;
  priceKey: string;
  definitionHash: string;
  priceId: string;
  valueDecimals: number;
}): Promise<void> {
  await execute(
    options.db,
    sqlb
      .insertInto("ktrlplane.stripe_prices")
      .values({
        price_key: options.priceKey,
        definition_hash: options.definitionHash,
        price_id: options.priceId,
        value_decimals: options.valueDecimals,
      })
      .onConflict((oc) => oc.doNothing()),
  );
}
