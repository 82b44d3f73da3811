import { AppError } from "../../domain/errors.js";
import type { BillingProvider } from "../billing-provider.js";

/**
 * The default provider: nothing outside the database. Charges and invoices come from the ledger,
 * so a sync has nothing to copy (the reconciler only drops the change marks) and accounts need no
 * set-up.
 */
export function createLocalProvider(): BillingProvider {
  return {
    name: "local",
    initialAccountStatus: "active",
    keepsNoCopy: true,
    async syncAccount() {
      return { drift: [], changes: [], appliedState: null };
    },
    async startSetup({ account }) {
      throw new AppError({
        code: "conflict",
        message: `Billing account "${account.name}" is billed by the local ledger and needs no payment set-up`,
      });
    },
    async openCustomerPortal({ account }) {
      throw new AppError({
        code: "provider_not_configured",
        message: `Billing account "${account.name}" is billed by the local ledger: there is no payment provider portal (see its invoices and charges here instead)`,
      });
    },
    verifyWebhook() {
      throw new AppError({
        code: "not_found",
        message: "No payment provider webhooks are configured",
      });
    },
  };
}
