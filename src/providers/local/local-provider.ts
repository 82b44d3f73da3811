import { AppError } from "../../domain/errors.js";
import type { BillingProvider } from "../billing-provider.js";

/**
 * The default provider: nothing outside the database. Charges and invoices come from the ledger,
 * so a sync has nothing to copy and accounts need no set-up.
 */
export function createLocalProvider(): BillingProvider {
  return {
    name: "local",
    initialAccountStatus: "active",
    async syncAccount() {
      return { drift: [], changes: [], appliedState: null };
    },
    async startSetup({ account }) {
      throw new AppError({
        code: "conflict",
        message: `Billing account "${account.name}" is billed by the local ledger and needs no payment set-up`,
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
