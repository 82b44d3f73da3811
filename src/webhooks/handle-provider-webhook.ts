import type { AppContext } from "../context.js";
import { getBillingAccount } from "../db/billing-accounts.js";
import { markAccountsChanged } from "../db/ledger.js";
import { findAccountByStripeCustomer } from "../db/stripe-refs.js";
import { claimWebhookEvent } from "../db/webhook-events.js";
import { recordProviderInvoice } from "../invoices/record-provider-invoice.js";

/**
 * A provider webhook delivery is a trigger, not data: verify its signature, take its event id
 * once, and mark the account it names dirty so the reconciler re-reads the provider. The claim
 * and the dirty mark commit together: a crash cannot take an event without acting on it.
 * An invoice event also records the invoice as the provider holds it now, read before the claim
 * (no transaction is held across the call): a failed read answers 5xx with nothing taken, so
 * the provider's retry finds the event untaken; the claim and the record then commit together.
 * Throws `invalid_signature` (an AppError) for a delivery that is not the provider's.
 */
export async function handleProviderWebhook(options: {
  ctx: AppContext;
  rawBody: string;
  signature: string | undefined;
}): Promise<{ duplicate: boolean }> {
  const { ctx } = options;
  const trigger = ctx.provider.verifyWebhook({
    rawBody: options.rawBody,
    signature: options.signature,
  });
  const invoice =
    trigger.invoiceId && ctx.provider.readInvoice
      ? await ctx.provider.readInvoice({
          invoiceId: trigger.invoiceId,
          prices: ctx.catalog.prices,
        })
      : undefined;
  const fresh = await ctx.db.transaction(async (tx) => {
    const claimed = await claimWebhookEvent({
      db: tx,
      eventId: trigger.eventId,
      type: trigger.type,
      at: ctx.clock(),
    });
    if (!claimed) return false;
    const byMetadata = trigger.billingAccountId
      ? await getBillingAccount({ db: tx, id: trigger.billingAccountId })
      : undefined;
    const accountId =
      byMetadata?.id ??
      (trigger.customerId
        ? await findAccountByStripeCustomer({ db: tx, customerId: trigger.customerId })
        : undefined);
    if (accountId) await markAccountsChanged({ db: tx, accountIds: [accountId] });
    if (accountId && invoice)
      await recordProviderInvoice({
        db: tx,
        billingAccountId: accountId,
        invoice,
        at: ctx.clock(),
      });
    return true;
  });
  return { duplicate: !fresh };
}
