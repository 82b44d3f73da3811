import type { AppContext } from "../context.js";
import { consumeChangeMarks } from "../db/change-marks.js";

/**
 * The reconciler's round under a provider that keeps no copy of the ledger (the local one): the
 * change marks ask for nothing but their removal, so they are consumed in one statement. No
 * lease, no per-account read of the ledger, no full pass: under `npm start`'s defaults the loop
 * costs one short statement per poll, whatever the rate of creates.
 */
export async function consumeMarksWithoutPasses(options: {
  ctx: AppContext;
  owner: string;
  /** Marks younger than this stay a moment, as a pass would debounce them. */
  olderThanMs: number;
}): Promise<void> {
  const { ctx, owner } = options;
  const accounts = await consumeChangeMarks({ db: ctx.db, olderThanMs: options.olderThanMs });
  if (!ctx.log.isLevelEnabled("debug")) return;
  for (const id of accounts) {
    ctx.log.debug({ billing_account_id: id, owner }, "change marks consumed (no provider copy)");
  }
}
