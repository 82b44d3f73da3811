import type { AppContext } from "../context.js";
import { resourceUsageSeries, type UsageBucket } from "../db/usage-rollups.js";
import { AppError } from "../domain/errors.js";
import type { Aggregation } from "../domain/meter.js";
import { resolveUsageRange } from "../domain/usage-range.js";

export interface ResourceUsage {
  resource_id: string;
  event_name: string;
  aggregation: Aggregation;
  granularity: "hour" | "day";
  from: Date;
  to: Date;
  /** Over the whole range (unique_count: distinct over the range, not a sum of buckets). */
  total: string | null;
  /** Buckets holding events only, in order. */
  data: UsageBucket[];
}

/** A resource's usage of one meter as a series, read from rollups (the caller checked access). */
export async function queryResourceUsage(options: {
  ctx: AppContext;
  resourceId: string;
  eventName: string;
  from?: string | undefined;
  to?: string | undefined;
  granularity: "hour" | "day";
}): Promise<ResourceUsage> {
  const { ctx, resourceId, granularity } = options;
  const meter = ctx.catalog.meters.get(options.eventName);
  if (!meter) {
    throw new AppError({
      code: "validation_failed",
      message: `No meter measures ${options.eventName}`,
      field: "event_name",
    });
  }
  const { from, to } = resolveUsageRange({ ...options, now: ctx.clock() });
  const series = await resourceUsageSeries({
    db: ctx.db,
    resourceId,
    meter,
    from,
    to,
    granularity,
  });
  // Sums and counts of nothing are 0; the max or latest of nothing does not exist.
  const zeroWhenEmpty = meter.aggregation !== "max" && meter.aggregation !== "latest";
  return {
    resource_id: resourceId,
    event_name: meter.event_name,
    aggregation: meter.aggregation,
    granularity,
    from,
    to,
    total: series.total ?? (zeroWhenEmpty ? "0" : null),
    data: series.buckets,
  };
}
