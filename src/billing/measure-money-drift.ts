import type { AppContext } from "../context.js";
import type { BillingAccountRow } from "../db/billing-accounts.js";
import { priceKey } from "../domain/pricing.js";
import { accountCharges } from "./account-charges.js";

export interface MoneyDrift {
  period: { start: Date; end: Date };
  currency: string;
  /** Per price: the ledger's upcoming-invoice line and what the provider charges for it. */
  lines: {
    resource_type: string;
    sku: string;
    ledger: number;
    provider: number;
    drift: number;
  }[];
  total: { ledger: number; provider: number; drift: number };
}

/**
 * The ledger's upcoming invoice for the current period against what the provider charges for
 * the same period, per price and in total (minor units; drift = provider − ledger). Null when
 * the provider cannot tell (the local ledger is its own provider) or holds nothing yet.
 */
export async function measureMoneyDrift(options: {
  ctx: AppContext;
  account: BillingAccountRow;
}): Promise<MoneyDrift | null> {
  const { ctx, account } = options;
  if (!ctx.provider.periodCharges) return null;
  const ledger = await accountCharges({ ctx, db: ctx.db, account, until: "period_end" });
  const provider = await ctx.provider.periodCharges({
    account,
    period: ledger.period,
    prices: [...ctx.catalog.prices.values()].flatMap((versions) => versions.map((v) => v.price)),
  });
  if (!provider) return null;
  const lines = new Map<string, MoneyDrift["lines"][number]>();
  // Per price, all its versions together: the provider's lines are named by price, not version.
  // This period's own lines: what the provider charges for the period holds no adjustments of
  // earlier ones (pending late usage), which the upcoming invoice now ends with.
  for (const line of ledger.lines.filter((l) => l.kind === "charge")) {
    const key = priceKey(line);
    const known = lines.get(key);
    if (known) known.ledger += line.amount;
    else
      lines.set(key, {
        resource_type: line.resource_type,
        sku: line.sku,
        ledger: line.amount,
        provider: 0,
        drift: 0,
      });
  }
  for (const [key, amount] of provider) {
    const [resource_type = key, sku = ""] = key.split("/");
    const line = lines.get(key) ?? { resource_type, sku, ledger: 0, provider: 0, drift: 0 };
    line.provider += amount;
    lines.set(key, line);
  }
  const all = [...lines.values()].map((l) => ({ ...l, drift: l.provider - l.ledger }));
  const ledgerTotal = all.reduce((sum, l) => sum + l.ledger, 0);
  const providerTotal = all.reduce((sum, l) => sum + l.provider, 0);
  return {
    period: ledger.period,
    currency: account.currency,
    lines: all,
    total: { ledger: ledgerTotal, provider: providerTotal, drift: providerTotal - ledgerTotal },
  };
}
