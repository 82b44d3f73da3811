import type { AppContext } from "../context.js";
import {
  organizationUsageTotals,
  type UsageGrouping,
  type UsageTotal,
} from "../db/usage-rollups.js";
import { AppError } from "../domain/errors.js";
import { resolveUsageRange } from "../domain/usage-range.js";

export interface OrganizationUsage {
  from: Date;
  to: Date;
  data: UsageTotal[];
  next_cursor: string | null;
}

/** The cursor is the last row's (group, event name), opaque to callers. */
function encodeCursor(group: string, eventName: string): string {
  return Buffer.from(JSON.stringify([group, eventName])).toString("base64url");
}

function decodeCursor(cursor: string): { group: string; event_name: string } {
  try {
    const [group, eventName] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (typeof group === "string" && typeof eventName === "string") {
      return { group, event_name: eventName };
    }
  } catch {}
  throw new AppError({
    code: "validation_failed",
    message: "cursor must be a next_cursor from a previous page",
    field: "cursor",
  });
}

/** An organization's usage per project, resource or meter, paged (the caller checked access). */
export async function queryOrganizationUsage(options: {
  ctx: AppContext;
  organizationId: string;
  from?: string | undefined;
  to?: string | undefined;
  groupBy: UsageGrouping;
  limit: number;
  cursor?: string | undefined;
}): Promise<OrganizationUsage> {
  const { ctx, organizationId, groupBy, limit } = options;
  const { from, to } = resolveUsageRange({ ...options, now: ctx.clock(), granularity: "hour" });
  const meters = [...ctx.catalog.meters.values()];
  const totals = await organizationUsageTotals({
    db: ctx.db,
    organizationId,
    meters,
    from,
    to,
    groupBy,
    limit: limit + 1,
    ...(options.cursor ? { after: decodeCursor(options.cursor) } : {}),
  });
  const page = totals.slice(0, limit);
  const last = page.at(-1);
  const groupOf = (t: UsageTotal) =>
    (groupBy === "project"
      ? t.project_id
      : groupBy === "resource"
        ? t.resource_id
        : t.event_name) ?? "";
  return {
    from,
    to,
    data: page,
    next_cursor:
      totals.length > limit && last ? encodeCursor(groupOf(last), last.event_name) : null,
  };
}
