import type { AppContext } from "../context.js";
import {
  type AccountSyncRow,
  changeMarks,
  deferSync,
  getAccountSync,
  leaseAccount,
  recordMoneyDrift,
  recordSyncFailure,
  recordSyncSuccess,
  releaseLease,
  renewLease,
} from "../db/account-sync.js";
import {
  type BillingAccountRow,
  getBillingAccount,
  setBillingAccountStatus,
} from "../db/billing-accounts.js";
import { AppError } from "../domain/errors.js";
import { recordProviderInvoices } from "../invoices/record-provider-invoice.js";
import type { SyncOutcome } from "../providers/billing-provider.js";
import { desiredAccount } from "./desired-account.js";
import { measureMoneyDrift } from "./measure-money-drift.js";

export const leaseMs = 30_000;
const hourMs = 3_600_000;

/** Whether the account already made its provider's allowed writes within the current hour. */
function budgetSpent(options: {
  limit: number | undefined;
  sync: AccountSyncRow | undefined;
  now: Date;
}): boolean {
  const { limit, sync, now } = options;
  if (limit === undefined || !sync?.budget_window_start) return false;
  return (
    now.getTime() - sync.budget_window_start.getTime() < hourMs && sync.writes_in_window >= limit
  );
}

async function waitForLease(options: {
  db: AppContext["db"];
  owner: string;
  billingAccountId: string;
  waitMs: number;
}): Promise<boolean> {
  const deadline = Date.now() + options.waitMs;
  for (;;) {
    if (await leaseAccount({ ...options, leaseMs })) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A full pass also compares the money: the provider's charges for the current period against
 * the ledger's upcoming invoice, and records the provider's recent invoices. Only reads the
 * provider; a failure is logged and leaves the pass a success (the quantities are in step,
 * which is what the pass is for).
 */
async function recordMoney(options: { ctx: AppContext; account: BillingAccountRow }) {
  const { ctx, account } = options;
  try {
    const moneyDrift = await measureMoneyDrift({ ctx, account });
    await recordMoneyDrift({ db: ctx.db, billingAccountId: account.id, moneyDrift });
  } catch (error) {
    ctx.log.warn(
      { billingAccountId: account.id, err: error },
      "could not compare the provider's charges with the ledger",
    );
  }
  try {
    // Invoices whose webhooks never arrived are recorded here.
    await recordProviderInvoices({ ctx, account });
  } catch (error) {
    ctx.log.warn(
      { billingAccountId: account.id, err: error },
      "could not record the provider's invoices",
    );
  }
}

/**
 * One reconciliation pass for one account: read the marks, then the desired state from the
 * ledger, let the provider converge (outside any transaction), then record the result and drop
 * the marks that were read. A crash anywhere leaves the marks, so the next pass does it again;
 * the provider's idempotency keys make the repeat free.
 */
export async function syncAccount(options: {
  ctx: AppContext;
  billingAccountId: string;
  owner: string;
  /** Already leased by the caller (the loop); otherwise this takes the lease or answers 409. */
  leased?: boolean;
  /** How long to wait for a pass another worker is running before answering 409. */
  waitForLeaseMs?: number;
  full?: boolean;
  dryRun?: boolean;
}): Promise<SyncOutcome> {
  const { ctx, billingAccountId, owner } = options;
  const db = ctx.db;
  if (
    !options.leased &&
    !(await waitForLease({ db, owner, billingAccountId, waitMs: options.waitForLeaseMs ?? 0 }))
  ) {
    throw new AppError({
      code: "conflict",
      message: "A sync of this account is already running; try again shortly",
    });
  }
  try {
    const marks = await changeMarks({ db, billingAccountId });
    const account = await getBillingAccount({ db, id: billingAccountId });
    if (!account) throw new Error(`billing account ${billingAccountId} missing`);
    const desired = await desiredAccount({
      ctx,
      db,
      account,
      version: marks.at(-1) ?? 0,
    });
    const previous = await getAccountSync({ db, billingAccountId });
    // With the hourly write budget spent, the pass only looks (the status still follows the
    // provider) and waits for the window to end; the marks stay for that later pass.
    const deferred =
      !options.dryRun &&
      budgetSpent({ limit: ctx.provider.writesPerHour, sync: previous, now: new Date() });
    const outcome = await ctx.provider.syncAccount({
      desired,
      previousState: previous?.applied_state ?? null,
      dryRun: (options.dryRun ?? false) || deferred,
      sendUsage: deferred,
      // A pass that outlived its lease stops before writing a state another pass may have
      // superseded; it also keeps a slow pass's lease alive.
      beforeWrite: async () => {
        if (!(await renewLease({ db, billingAccountId, owner, leaseMs }))) {
          throw new Error("lost the lease on this account; another pass has taken over");
        }
      },
    });
    if (deferred) {
      if (outcome.status && outcome.status !== account.status) {
        await setBillingAccountStatus({ db, id: billingAccountId, status: outcome.status });
      }
      await deferSync({ db, billingAccountId, owner });
      return outcome;
    }
    if (options.dryRun) {
      await releaseLease({ db, billingAccountId, owner });
      return outcome;
    }
    await db.transaction(async (tx) => {
      await recordSyncSuccess({
        db: tx,
        billingAccountId,
        owner,
        consumedMarks: marks,
        appliedState: outcome.appliedState,
        drift: outcome.drift,
        full: options.full ?? false,
        writes: outcome.changes.length,
      });
      if (outcome.status && outcome.status !== account.status) {
        await setBillingAccountStatus({ db: tx, id: billingAccountId, status: outcome.status });
      }
    });
    if (options.full) await recordMoney({ ctx, account });
    return outcome;
  } catch (error) {
    await recordSyncFailure({
      db,
      billingAccountId,
      owner,
      error: (error as Error).message ?? String(error),
    });
    throw error;
  }
}
