import type { AppContext } from "../context.js";
import { moveToPriceVersion, projectsToMove } from "../db/ledger.js";
import { loadPriceBook, markVersionMoved } from "../db/resource-pricing.js";
import { planVersionMoves, type VersionMove } from "../domain/price-versions.js";
import { priceKey } from "../domain/pricing.js";

/** Projects locked per transaction: creates on them wait while their intervals are cut. */
const projectsPerBatch = 200;

export interface VersionMoveOutcome {
  move: VersionMove;
  /** Intervals cut at `effective_from` and moved to the version. */
  moved: number;
}

/**
 * The pass that writes price-version moves into the ledger, at start and in the worker loop. Plan:
 * from the stored versions (re-read, so a newer catalog another process recorded is seen, and the
 * context's book refreshed), the moves whose `effective_from` has come and that no pass finished.
 * Apply: for each, in batches of projects, cut the intervals at the instant (`moveToPriceVersion`),
 * until none is left, then record the move as done. Idempotent and safe with other passes and
 * with creates, deletes and switches running (see `moveToPriceVersion`). Charges never wait for
 * it: they cut at the same instants themselves (`versionSegments`); the pass makes the ledger
 * say it, and marks the accounts so that a provider moves its items (one Stripe price per version).
 */
export async function movePriceVersions(options: {
  ctx: AppContext;
}): Promise<VersionMoveOutcome[]> {
  const { ctx } = options;
  const db = ctx.db;
  const { prices, moved } = await loadPriceBook({ db });
  ctx.catalog.prices = prices;
  const now = ctx.clock();
  const plan = planVersionMoves({
    book: prices,
    now,
    done: (move) => moved.has(`${priceKey(move)}#${move.version}`),
  });
  const outcomes: VersionMoveOutcome[] = [];
  for (const move of plan) {
    let total = 0;
    // Rows at an earlier version cannot appear once the version exists (creates take the latest,
    // switches carry the version they close, under the same project lock), so this ends; the
    // bound only keeps a surprise from spinning.
    for (let round = 0; round < 100; round++) {
      const projects = await projectsToMove({ db, move });
      if (projects.length === 0) {
        await markVersionMoved({
          db,
          resourceType: move.resource_type,
          sku: move.sku,
          version: move.version,
          at: now,
        });
        break;
      }
      for (let i = 0; i < projects.length; i += projectsPerBatch) {
        const projectIds = projects.slice(i, i + projectsPerBatch);
        total += await db.transaction((tx) => moveToPriceVersion({ db: tx, move, projectIds }));
      }
    }
    outcomes.push({ move, moved: total });
    ctx.log.info(
      {
        price: priceKey(move),
        price_version: move.version,
        effective_from: move.effective_from.toISOString(),
        moved: total,
      },
      "existing resources moved to a new price version",
    );
  }
  return outcomes;
}
