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

/** A checked request for an organization's usage: its range and where its page starts. */
export interface OrganizationUsageRequest {
  from: Date;
  to: Date;
  groupBy: UsageGrouping;
  limit: number;
  after?: { group: string; event_name: string };
}

/**
 * Checks the range and the cursor (422 naming the field): before the request waits for a turn,
 * so that a bad one is refused at once, not after the heavy reads ahead of it.
 */
export function organizationUsageRequest(options: {
  now: Date;
  from?: string | undefined;
  to?: string | undefined;
  groupBy: UsageGrouping;
  limit: number;
  cursor?: string | undefined;
}): OrganizationUsageRequest {
  const { from, to } = resolveUsageRange({ ...options, granularity: "hour" });
  return {
    from,
    to,
    groupBy: options.groupBy,
    limit: options.limit,
    ...(options.cursor ? { after: decodeCursor(options.cursor) } : {}),
  };
}

/** An organization's usage per project, resource or meter, paged (the caller checked access). */
export async function queryOrganizationUsage(options: {
  ctx: AppContext;
  organizationId: string;
  request: OrganizationUsageRequest;
}): Promise<OrganizationUsage> {
  const { ctx, organizationId, request } = options;
  const { from, to, groupBy, limit } = request;
  const meters = [...ctx.catalog.meters.values()];
  const totals = await organizationUsageTotals({
    db: ctx.db,
    organizationId,
    meters,
    from,
    to,
    groupBy,
    limit: limit + 1,
    ...(request.after ? { after: request.after } : {}),
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
