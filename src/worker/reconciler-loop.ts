import { randomUUID } from "node:crypto";
import { leaseMs, syncAccount } from "../billing/sync-billing-account.js";
import type { AppContext } from "../context.js";
import { accountsDueForFullSync, leaseAccount, leaseDirtyAccounts } from "../db/account-sync.js";

export interface ReconcilerOptions {
  /** How long a burst on one account may settle before it is synced. */
  debounceMs: number;
  /** …but no change waits longer than this under a steady stream. */
  maxWaitMs: number;
  pollMs: number;
  /** How often every account is compared with the provider in full, to repair drift. */
  fullSyncIntervalMs: number;
  concurrency: number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface Reconciler {
  readonly owner: string;
  stop(): Promise<void>;
  /** Runs one round now (tests and the CLI). */
  runOnce(): Promise<number>;
}

/**
 * The control loop: lease dirty accounts, converge each, repeat; now and then a full pass over
 * every account. Several loops (in several processes) can share one database: leases keep them
 * off each other's accounts.
 */
export function startReconciler(options: { ctx: AppContext } & ReconcilerOptions): Reconciler {
  const { ctx } = options;
  const owner = `worker-${randomUUID()}`;
  let stopped = false;
  let lastFullRound = 0;

  const runOnce = async (): Promise<number> => {
    const dirty = await leaseDirtyAccounts({
      db: ctx.db,
      owner,
      limit: options.concurrency * 4,
      leaseMs,
      debounceMs: options.debounceMs,
      maxWaitMs: options.maxWaitMs,
    });
    const work: { id: string; full: boolean }[] = dirty.map((id) => ({ id, full: false }));
    if (Date.now() - lastFullRound >= options.pollMs * 10) {
      lastFullRound = Date.now();
      for (const id of await accountsDueForFullSync({
        db: ctx.db,
        olderThanMs: options.fullSyncIntervalMs,
        limit: options.concurrency * 4,
      })) {
        if (
          !dirty.includes(id) &&
          (await leaseAccount({ db: ctx.db, owner, billingAccountId: id, leaseMs }))
        ) {
          work.push({ id, full: true });
        }
      }
    }
    let index = 0;
    const lane = async () => {
      for (let next = work[index++]; next; next = work[index++]) {
        try {
          await syncAccount({
            ctx,
            billingAccountId: next.id,
            owner,
            leased: true,
            full: next.full,
          });
        } catch (error) {
          options.log?.("sync failed; will retry with backoff", {
            billing_account_id: next.id,
            error: (error as Error).message,
          });
        }
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, lane));
    return work.length;
  };

  const loop = (async () => {
    while (!stopped) {
      try {
        const done = await runOnce();
        if (done === 0) await sleep(options.pollMs);
      } catch (error) {
        options.log?.("reconciler round failed", { error: (error as Error).message });
        await sleep(options.pollMs * 5);
      }
    }
  })();

  return {
    owner,
    runOnce,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
