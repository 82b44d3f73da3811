import type Stripe from "stripe";
import type { BillingAccountRow } from "../../db/billing-accounts.js";
import type { Database } from "../../db/database.js";
import { findStripeCustomerId, storeStripeCustomerId } from "../../db/stripe-refs.js";
import { idempotencyKey } from "./idempotency-key.js";
import type { RequestPacer } from "./request-pacer.js";

/**
 * The account's one Stripe customer: remembered, else found by metadata, else created under a key
 * derived from the account id alone — however often set-up is opened, there is one customer.
 */
export async function ensureCustomer(options: {
  stripe: Stripe;
  db: Database;
  pacer: RequestPacer;
  account: BillingAccountRow;
}): Promise<string> {
  const { stripe, db, pacer, account } = options;
  const stored = await findStripeCustomerId({ db, billingAccountId: account.id });
  if (stored) return stored;
  await pacer.wait();
  const found = await stripe.customers.search({
    query: `metadata['ktrlplane_billing_account_id']:'${account.id}'`,
    limit: 1,
  });
  let customerId = found.data[0]?.id;
  if (!customerId) {
    const params: Stripe.CustomerCreateParams = {
      name: account.name,
      metadata: {
        ktrlplane_billing_account_id: account.id,
        ktrlplane_organization_id: account.organization_id,
      },
    };
    await pacer.wait();
    const created = await stripe.customers.create(params, {
      idempotencyKey: idempotencyKey({
        scope: `customer:${account.id}`,
        params: { account: account.id },
      }),
    });
    customerId = created.id;
  }
  await storeStripeCustomerId({ db, billingAccountId: account.id, customerId });
  return customerId;
}

/** What a pass needs from the customer: whether it still exists, has an invoice default, its name. */
export interface CustomerPayment {
  deleted: boolean;
  hasDefault: boolean;
  name: string | null;
}

export async function readCustomerPayment(options: {
  stripe: Stripe;
  pacer: RequestPacer;
  customerId: string;
}): Promise<CustomerPayment> {
  await options.pacer.wait();
  const customer = await options.stripe.customers.retrieve(options.customerId);
  if ("deleted" in customer && customer.deleted)
    return { deleted: true, hasDefault: false, name: null };
  return {
    deleted: false,
    hasDefault: Boolean((customer as Stripe.Customer).invoice_settings?.default_payment_method),
    name: (customer as Stripe.Customer).name ?? null,
  };
}

/**
 * The customer carries the account's name (invoices and the portal show it): an absolute write
 * under a key derived from the account, the desired-state version and the name, so a retry
 * changes nothing and a rename back (A → B → A) is a new write, not a replay of the first.
 */
export async function nameCustomer(options: {
  stripe: Stripe;
  pacer: RequestPacer;
  accountId: string;
  customerId: string;
  name: string;
  version: number;
}): Promise<void> {
  const params: Stripe.CustomerUpdateParams = { name: options.name };
  await options.pacer.wait();
  await options.stripe.customers.update(options.customerId, params, {
    idempotencyKey: idempotencyKey({
      scope: `${options.accountId}:customer_name`,
      version: options.version,
      params: { customer: options.customerId, ...params },
    }),
  });
}
