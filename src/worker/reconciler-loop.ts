import { randomUUID } from "node:crypto";
import { markMeteredAccounts } from "../billing/mark-metered-accounts.js";
import { movePriceVersions } from "../billing/move-price-versions.js";
import { leaseMs, syncAccount } from "../billing/sync-billing-account.js";
import type { Config } from "../config.js";
import type { AppContext } from "../context.js";
import { accountsDueForFullSync, leaseAccount, leaseDirtyAccounts } from "../db/account-sync.js";
import { finalizeDueInvoices } from "../invoices/finalize-due-invoices.js";
import { consumeMarksWithoutPasses } from "./consume-marks.js";

export interface ReconcilerOptions {
  /** How long a burst on one account may settle before it is synced. */
  debounceMs: number;
  /** …but no change waits longer than this under a steady stream. */
  maxWaitMs: number;
  pollMs: number;
  /** How often every account is compared with the provider in full, to repair drift. */
  fullSyncIntervalMs: number;
  concurrency: number;
  /** How often closed periods are looked for, to finalize their invoices (default a minute). */
  invoicingIntervalMs?: number;
  /** How often accounts billed for metered prices are marked so that their usage reaches the
   * provider's meters (providers that have them; default a minute). */
  usageIntervalMs?: number;
}

export interface Reconciler {
  readonly owner: string;
  stop(): Promise<void>;
  /** Runs one round now (tests and the CLI). */
  runOnce(): Promise<number>;
}

/**
 * The control loop: lease dirty accounts, converge each, repeat (under a provider that keeps no
 * copy, only consume the marks); now and then a full pass over every account, the pass that moves existing resources to price versions whose instant has come,
 * and the invoices of closed periods finalized. Several loops (in several processes) can share
 * one database: leases keep them off each other's accounts. It logs through `ctx.log`: one child
 * per billing account pass.
 */
export function startReconciler(options: { ctx: AppContext } & ReconcilerOptions): Reconciler {
  const { ctx } = options;
  const owner = `worker-${randomUUID()}`;
  let stopped = false;
  let lastFullRound = 0;
  // Invoicing: at the first round (periods that closed while no worker ran), then every interval.
  let nextInvoicingAt = 0;
  let invoicingAfter: string | undefined;
  let lastVersionPass = 0;
  let lastUsageRound = 0;

  /** Invoices of closed periods, when their interval has come: what was done, as work. */
  const finalizeInvoices = async (): Promise<number> => {
    if (Date.now() < nextInvoicingAt) return 0;
    const round = await finalizeDueInvoices({ ctx, after: invoicingAfter });
    invoicingAfter = round.next;
    nextInvoicingAt = round.next ? 0 : Date.now() + (options.invoicingIntervalMs ?? 60_000);
    return round.finalized + (round.next ? 1 : 0);
  };

  const runOnce = async (): Promise<number> => {
    // Price versions whose instant has come: the ledger is cut and the accounts marked first, so
    // this round already moves their provider items.
    if (Date.now() - lastVersionPass >= options.pollMs * 10) {
      lastVersionPass = Date.now();
      try {
        await movePriceVersions({ ctx });
      } catch (error) {
        ctx.log.error({ err: error, owner }, "price version pass failed; will retry");
      }
    }
    if (
      ctx.provider.name === "stripe" &&
      Date.now() - lastUsageRound >= (options.usageIntervalMs ?? 60_000)
    ) {
      lastUsageRound = Date.now();
      try {
        await markMeteredAccounts({ ctx });
      } catch (error) {
        ctx.log.error({ err: error, owner }, "metered usage round failed; will retry");
      }
    }
    if (ctx.provider.keepsNoCopy) {
      await consumeMarksWithoutPasses({ ctx, owner, olderThanMs: options.debounceMs });
      return finalizeInvoices();
    }
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
        // Every line of this pass carries the account; ids only, never provider payloads.
        const log = ctx.log.child({ billing_account_id: next.id, owner });
        const started = Date.now();
        log.debug({ full: next.full }, "sync pass started");
        try {
          const outcome = await syncAccount({
            ctx,
            billingAccountId: next.id,
            owner,
            leased: true,
            full: next.full,
          });
          log.debug(
            {
              full: next.full,
              ms: Date.now() - started,
              changes: outcome.changes.length,
              drift: outcome.drift.length,
            },
            "sync pass finished",
          );
          if (outcome.drift.length > 0) {
            log.warn(
              { drift: outcome.drift.map((d) => d.kind) },
              "provider differed from the ledger",
            );
          }
        } catch (error) {
          log.warn(
            { err: error, ms: Date.now() - started },
            "sync pass failed; will retry with backoff",
          );
        }
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, lane));
    return work.length + (await finalizeInvoices());
  };

  const loop = (async () => {
    while (!stopped) {
      try {
        const done = await runOnce();
        if (done === 0) await sleep(options.pollMs);
      } catch (error) {
        ctx.log.error({ err: error, owner }, "reconciler round failed");
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

/** The reconciler as configured: it keeps the provider in step with the ledger. */
export function startConfiguredReconciler(options: {
  ctx: AppContext;
  config: Config;
}): Reconciler {
  const { ctx, config } = options;
  return startReconciler({
    ctx,
    debounceMs: config.KTRLPLANE_SYNC_DEBOUNCE_MS,
    maxWaitMs: Math.max(config.KTRLPLANE_SYNC_DEBOUNCE_MS * 8, 2000),
    pollMs: config.KTRLPLANE_SYNC_POLL_MS,
    fullSyncIntervalMs: config.KTRLPLANE_FULL_SYNC_INTERVAL_S * 1000,
    concurrency: 4,
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
