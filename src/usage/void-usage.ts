import type { AppContext } from "../context.js";
import { recordAudit } from "../db/audit.js";
import { markLateVoids } from "../db/late-usage.js";
import { findVoidTargets, type VoidTarget, voidUsageEvents } from "../db/usage-voids.js";
import { calendarMonthOf } from "../domain/billing-period.js";
import { AppError } from "../domain/errors.js";
import { usageRights } from "./usage-rights.js";

export type VoidOutcome = {
  index: number;
  id: string;
  status: "voided" | "already_voided" | "not_found";
};

/**
 * Voids usage events of one organization by id: each id gets its own outcome; an id the caller
 * cannot see is "not_found", as one never sent. Nothing is deleted: the events are marked and the
 * hours they counted in are recomputed from the events still standing, in one transaction with an
 * audit entry, so every query and every amount priced from the rollups stops counting them. A
 * retry voids nothing more ("already_voided"), and a voided id stays taken: sending it again is a
 * duplicate, never a new count.
 *
 * Rights are the request's, as for ingestion: an event the caller sees but whose project's
 * resources they may not write refuses the whole request (403). Ids are unique per organization,
 * so a caller who belongs to several organizations names one when an id exists in more than one.
 */
export async function voidUsage(options: {
  ctx: AppContext;
  userId: string;
  ids: string[];
  organizationId?: string | undefined;
}): Promise<VoidOutcome[]> {
  const { ctx, userId, ids } = options;
  const rightsAt = await usageRights({ ctx, userId });
  const found = (await findVoidTargets({ db: ctx.db, userId, ids: [...new Set(ids)] })).filter(
    (t) =>
      rightsAt(t) !== "hidden" &&
      (options.organizationId === undefined || t.organization_id === options.organizationId),
  );
  const organizations = new Set(found.map((t) => t.organization_id));
  if (organizations.size > 1) {
    throw new AppError({
      code: "organization_required",
      message: "These ids name events in several of your organizations: give organization_id",
      field: "organization_id",
    });
  }
  const targets = new Map<string, VoidTarget>(found.map((t) => [t.event_id, t]));
  for (const [index, id] of ids.entries()) {
    const target = targets.get(id);
    if (target && rightsAt(target) !== "write") {
      throw new AppError({
        code: "forbidden",
        message: `Your role does not allow voiding usage in project ${target.project_id}`,
        field: `ids.${index}`,
      });
    }
  }

  const [organizationId] = organizations;
  const voided = new Set<string>();
  if (organizationId !== undefined) {
    const at = ctx.clock();
    await ctx.db.transaction(async (tx) => {
      const marked = await voidUsageEvents({
        db: tx,
        organizationId,
        ids: [...targets.keys()],
        at,
      });
      for (const id of marked) voided.add(id);
      if (marked.length === 0) return;
      // A void in a period that may be invoiced already is billed back on the next invoice.
      await markLateVoids({
        db: tx,
        organizationId,
        eventIds: marked,
        closedBefore: calendarMonthOf(at).start,
        at,
      });
      await recordAudit({
        db: tx,
        entry: {
          organizationId,
          actorUserId: userId,
          action: "usage.voided",
          subjectType: "organization",
          subjectId: organizationId,
          before: null,
          after: { event_ids: marked },
          at,
        },
      });
    });
  }
  // An id named twice is voided by its first mention.
  return ids.map((id, index) => {
    if (!targets.has(id)) return { index, id, status: "not_found" };
    if (voided.delete(id)) return { index, id, status: "voided" };
    return { index, id, status: "already_voided" };
  });
}
