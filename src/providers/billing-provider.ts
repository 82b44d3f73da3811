import type { BillingAccountRow, BillingAccountStatus } from "../db/billing-accounts.js";
import type { Period } from "../domain/billing-period.js";
import type { Meter } from "../domain/meter.js";
import type { PriceBook } from "../domain/price-versions.js";
import type { Price } from "../domain/pricing.js";

/** What the ledger says the provider should hold for one account: one item per price. */
export interface DesiredAccount {
  account: BillingAccountRow;
  /** Price versions billed by quantity with their active quantity (> 0): each version is its
   * own provider price. */
  items: { price: Price; priceVersion: number; quantity: number }[];
  /**
   * Metered lines (one per price version and month) whose usage may still reach the provider's
   * invoice: the open month's — a price version with a line there is billed this period, even
   * after its last resource went — and, within the hour after a month ends, the closed month's.
   * `quantity` is the ledger's period aggregate so far (decimal text).
   */
  metered?: {
    price: Price;
    priceVersion: number;
    meter: Meter;
    period: Period;
    quantity: string;
  }[];
  /** The change-mark id the desired state was read after: same version, same requests. */
  version: number;
}

export interface DriftEntry {
  kind: string;
  detail: string;
}

export interface SyncOutcome {
  /** Differences between the provider and what the previous pass left there. */
  drift: DriftEntry[];
  /** The writes this pass made (or, dry, would make). */
  changes: DriftEntry[];
  /** What the provider now holds, kept to spot drift next time. */
  appliedState: unknown;
  /** The account's status as the provider sees it, when it has an opinion. */
  status?: BillingAccountStatus;
  /** Usage sent (or, dry, to send) to the provider's meters: not writes that the hourly write
   * budget counts (Stripe limits meter events apart, 1,000 a second). */
  usage?: DriftEntry[];
}

export interface WebhookTrigger {
  eventId: string;
  type: string;
  billingAccountId?: string;
  customerId?: string;
  /** Set when the event is about one of the provider's invoices: the handler reads it. */
  invoiceId?: string;
}

/** The catalog price (and version) a provider price stands for. */
export interface ProviderPriceRef {
  resource_type: string;
  sku: string;
  price_version: number;
}

/** One of the provider's own invoices, amounts in ISO minor units. */
export interface ProviderInvoice {
  id: string;
  /** The account whose subscription it bills; undefined when it is none of ours. */
  billingAccountId: string | undefined;
  number: string | null;
  /** Stripe's: draft, open, paid, uncollectible, void. */
  status: string;
  hosted_invoice_url: string | null;
  invoice_pdf: string | null;
  currency: string;
  total: number;
  period: Period;
  billing_reason: string | null;
  finalized_at: Date | null;
  /** Each line with the period of service it bills (not the invoice's period). */
  lines: {
    id: string;
    price: ProviderPriceRef | null;
    service: Period;
    amount: number;
    proration: boolean;
  }[];
}

/**
 * The port every payment backend implements. `local` keeps the ledger as the whole truth;
 * `stripe` mirrors each billing account into a customer and subscriptions.
 */
export interface BillingProvider {
  readonly name: "local" | "stripe";
  /** The status a new billing account starts in: Stripe accounts need a payment method first. */
  readonly initialAccountStatus: BillingAccountStatus;
  /** Writes one account may cost per hour, when the provider limits them (Stripe: 200 quantity
   * updates per subscription per hour). */
  readonly writesPerHour?: number;
  /**
   * The provider keeps no copy of the ledger (the local one): a change leaves nothing to bring in
   * step, so the reconciler only consumes the change marks, in bulk, with no per-account pass.
   */
  readonly keepsNoCopy?: true;
  /** Brings the provider's copy of an account in step with `desired`; `dryRun` only reports. */
  syncAccount(options: {
    desired: DesiredAccount;
    previousState: unknown;
    dryRun: boolean;
    /** Usage (Stripe: meter events, invoice items for adjustments) is sent even in a dry run: a
     * pass deferred by the write budget, which limits subscription updates, not usage. */
    sendUsage?: boolean;
    /** Called before each write; throws when this pass no longer holds the account's lease. */
    beforeWrite: () => Promise<void>;
  }): Promise<SyncOutcome>;
  /** Where the customer enters a payment method (Stripe Checkout in setup mode). */
  startSetup(options: {
    account: BillingAccountRow;
    returnUrl: string;
  }): Promise<{ url: string; session_id: string }>;
  /**
   * What the provider charges the account for `period`, per catalog price key, in ISO minor
   * units; null when it holds nothing for the account. Compared with the ledger by full passes.
   */
  periodCharges?(options: {
    account: BillingAccountRow;
    period: Period;
    prices: Iterable<Price>;
  }): Promise<Map<string, number> | null>;
  /** Where the customer manages payment methods and reads the provider's invoices (Stripe's
   * customer portal); a provider without one refuses. */
  openCustomerPortal(options: {
    account: BillingAccountRow;
    returnUrl: string;
  }): Promise<{ url: string }>;
  /** One of the provider's invoices, read afresh (a webhook only says which); null when the
   * provider has none by that id. */
  readInvoice?(options: { invoiceId: string; prices: PriceBook }): Promise<ProviderInvoice | null>;
  /** The account's invoices created since `since`, for passes that catch lost webhooks. */
  readInvoices?(options: {
    account: BillingAccountRow;
    since: Date;
    prices: PriceBook;
  }): Promise<ProviderInvoice[]>;
  /** Verifies a webhook delivery's signature and says which account it concerns. */
  verifyWebhook(options: { rawBody: string; signature: string | undefined }): WebhookTrigger;
}
