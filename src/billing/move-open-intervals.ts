import type { AppContext } from "../context.js";
import type { Queryable } from "../db/database.js";
import {
  countIntervalMove,
  moveIntervals,
  type ProjectScope,
  writesChangeMarks,
} from "../db/ledger.js";

/**
 * What a project switch or a change of the primary account moves: the scope's open intervals not
 * on the target yet, closed at `at` and reopened on the target at the very same instant. The plan
 * holds how many, not which: it is the same few numbers for ten resources or a hundred thousand.
 */
export interface BillingSwitchPlan {
  scope: ProjectScope;
  toAccountId: string;
  /** The resources whose billing moves, and the projects that change payer. */
  moving: { resources: number; projects: number };
  at: Date;
}

/**
 * Counts what the move would do, without writing: a preview (`dry_run`) stops here. Call under
 * the locks that keep the scope as it is until the apply (the project, or the organization).
 */
export async function planBillingSwitch(options: {
  tx: Queryable;
  scope: ProjectScope;
  fromAccountId: string;
  toAccountId: string;
  at: Date;
}): Promise<BillingSwitchPlan> {
  const { tx, scope, fromAccountId, toAccountId, at } = options;
  const counted = await countIntervalMove({ db: tx, scope, toAccountId });
  // Staying on the same account changes no project's payer (and finds nothing to move).
  const moving = { ...counted, projects: fromAccountId === toAccountId ? 0 : counted.projects };
  return { scope, toAccountId, moving, at };
}

/** Applies the plan: every interval it counted moves at `plan.at`, no second billed twice or not at all. */
export async function moveOpenIntervals(options: {
  ctx: AppContext;
  tx: Queryable;
  plan: BillingSwitchPlan;
}): Promise<void> {
  const { ctx, tx, plan } = options;
  await moveIntervals({
    db: tx,
    scope: plan.scope,
    toAccountId: plan.toAccountId,
    at: plan.at,
    marks: writesChangeMarks(ctx.provider),
  });
}
