import type { BillingProvider } from "../billing-provider.js";

/** The default provider: nothing outside the database; charges and invoices come from the ledger. */
export function createLocalProvider(): BillingProvider {
  return { name: "local", initialAccountStatus: "active" };
}
