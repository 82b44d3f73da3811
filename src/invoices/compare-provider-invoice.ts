import type { Queryable } from "../db/database.js";
import type { InvoiceLineRow, InvoiceRow } from "../db/invoices.js";
import {
  type ProviderInvoiceRow,
  type ProviderLineWithInvoice,
  providerInvoicesByIds,
  providerLinesWithin,
} from "../db/provider-invoices.js";

export interface ProviderSide {
  /** The provider's invoices that bill this month's service, oldest first. */
  invoices: ProviderInvoiceRow[];
  /** Per ledger line (price version): the provider's lines for it summed; drift = provider − ledger. */
  lines: {
    resource_type: string;
    sku: string;
    price_version: number | null;
    ledger: number;
    provider: number;
    drift: number;
    /** How many provider lines make the figure: each is rounded once, so |drift| ≤ this is rounding. */
    provider_lines: number;
  }[];
  total: { ledger: number; provider: number; drift: number };
}

/**
 * What the provider billed for each ledger invoice's month, next to the ledger's figure. Stripe
 * bills licensed prices in advance, so a month's service lies on several Stripe invoices (the one
 * that opened the month or the subscription, prorations on the renewal that closes it, a final
 * invoice): a provider line counts for the month its service period lies in. An invoice item
 * carrying a ledger line (an adjustment, a credit for a meter's decrease) counts in the month and
 * under the price of that ledger line wherever Stripe billed it: the provider reads it so
 * (src/providers/stripe/stripe-adjustment-items.ts), so it matches that line. Per line only when
 * the ledger's lines are given (the invoice page); otherwise the totals (the list). Null for an
 * invoice the provider recorded nothing for (the local provider, or before Stripe's arrive).
 */
export async function compareProviderInvoices(options: {
  db: Queryable;
  invoices: InvoiceRow[];
  ledgerLines?: Map<string, InvoiceLineRow[]>;
}): Promise<Map<string, ProviderSide | null>> {
  const { db, invoices } = options;
  const sides = new Map<string, ProviderSide | null>();
  if (invoices.length === 0) return sides;
  const from = new Date(Math.min(...invoices.map((i) => i.period_start.getTime())));
  const to = new Date(Math.max(...invoices.map((i) => i.period_end.getTime())));
  const lines = await providerLinesWithin({
    db,
    billingAccountIds: [...new Set(invoices.map((i) => i.billing_account_id))],
    from,
    to,
  });
  const providerInvoices = new Map(
    (
      await providerInvoicesByIds({
        db,
        ids: [...new Set(lines.map((l) => l.provider_invoice_id))],
      })
    ).map((p) => [p.provider_invoice_id, p]),
  );
  for (const invoice of invoices) {
    const mine = lines.filter(
      (l) =>
        l.billing_account_id === invoice.billing_account_id &&
        l.service_start.getTime() >= invoice.period_start.getTime() &&
        l.service_end.getTime() <= invoice.period_end.getTime(),
    );
    if (mine.length === 0) {
      sides.set(invoice.id, null);
      continue;
    }
    const provider = mine.reduce((sum, l) => sum + l.amount, 0);
    const ledgerLines = options.ledgerLines?.get(invoice.id);
    sides.set(invoice.id, {
      invoices: [...new Set(mine.map((l) => l.provider_invoice_id))].flatMap((id) => {
        const found = providerInvoices.get(id);
        return found ? [found] : [];
      }),
      lines: ledgerLines ? linesDrift({ ledger: ledgerLines, provider: mine }) : [],
      total: { ledger: invoice.total, provider, drift: provider - invoice.total },
    });
  }
  return sides;
}

function linesDrift(options: {
  ledger: InvoiceLineRow[];
  provider: ProviderLineWithInvoice[];
}): ProviderSide["lines"] {
  const key = (l: {
    resource_type: string | null;
    sku: string | null;
    price_version: number | null;
  }) => `${l.resource_type ?? ""}/${l.sku ?? ""}#${l.price_version ?? ""}`;
  const byKey = new Map<string, ProviderSide["lines"][number]>();
  for (const line of options.ledger) {
    const known = byKey.get(key(line));
    if (known) known.ledger += line.amount;
    else
      byKey.set(key(line), {
        resource_type: line.resource_type,
        sku: line.sku,
        price_version: line.price_version,
        ledger: line.amount,
        provider: 0,
        drift: 0,
        provider_lines: 0,
      });
  }
  for (const line of options.provider) {
    const entry = byKey.get(key(line)) ?? {
      // A provider line for no price of ours: all drift.
      resource_type: line.resource_type ?? "unknown",
      sku: line.sku ?? "unknown",
      price_version: line.price_version,
      ledger: 0,
      provider: 0,
      drift: 0,
      provider_lines: 0,
    };
    entry.provider += line.amount;
    entry.provider_lines += 1;
    byKey.set(key(line), entry);
  }
  return [...byKey.values()].map((l) => ({ ...l, drift: l.provider - l.ledger }));
}
