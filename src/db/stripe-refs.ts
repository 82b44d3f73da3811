import type { Queryable } from "./database.js";

export async function findStripeCustomerId(options: {
  db: Queryable;
  billingAccountId: string;
}): Promise<string | undefined> {
  const rows = await options.db.query<{ customer_id: string }>(
    "SELECT customer_id FROM ktrlplane.stripe_customers WHERE billing_account_id = $1",
    [options.billingAccountId],
  );
  return rows[0]?.customer_id;
}

export async function storeStripeCustomerId(options: {
  db: Queryable;
  billingAccountId: string;
  customerId: string;
}): Promise<void> {
  await options.db.query(
    "INSERT INTO ktrlplane.stripe_customers (billing_account_id, customer_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    [options.billingAccountId, options.customerId],
  );
}

export async function findAccountByStripeCustomer(options: {
  db: Queryable;
  customerId: string;
}): Promise<string | undefined> {
  const rows = await options.db.query<{ billing_account_id: string }>(
    "SELECT billing_account_id FROM ktrlplane.stripe_customers WHERE customer_id = $1",
    [options.customerId],
  );
  return rows[0]?.billing_account_id;
}

export async function findStripePriceId(options: {
  db: Queryable;
  priceKey: string;
  definitionHash: string;
}): Promise<string | undefined> {
  const rows = await options.db.query<{ price_id: string }>(
    "SELECT price_id FROM ktrlplane.stripe_prices WHERE price_key = $1 AND definition_hash = $2",
    [options.priceKey, options.definitionHash],
  );
  return rows[0]?.price_id;
}

export async function storeStripePriceId(options: {
  db: Queryable;
  priceKey: string;
  definitionHash: string;
  priceId: string;
}): Promise<void> {
  await options.db.query(
    "INSERT INTO ktrlplane.stripe_prices (price_key, definition_hash, price_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    [options.priceKey, options.definitionHash, options.priceId],
  );
}
