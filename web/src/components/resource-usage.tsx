/**
 * On a resource's page: what it cost this month so far, and, for a metered price, its usage over
 * time per meter with a range and a granularity to choose.
 */
import { useMemo, useState } from "react";
import { api, type Granularity, type Resource } from "../api";
import { formatPeriodEnd } from "../money";
import {
  formatUsageValue,
  granularitiesOf,
  type UsagePreset,
  usagePresets,
  usageRange,
} from "../usage";
import { useApi } from "../use-api";
import { ErrorNotice, Field, Loading, Money } from "./ui";
import { UsageChart } from "./usage-chart";

/** The granularity a preset opens with: hours up to a day, days beyond. */
const defaultGranularity = (preset: UsagePreset): Granularity =>
  preset === "24h" ? "hour" : "day";

/** A meter on the resource page: the event name it reads and the name people know it by. */
export interface MeterShown {
  eventName: string;
  name: string;
}

export function ResourceCost({ resource, metered }: { resource: Resource; metered: boolean }) {
  // Its own cost read: costs the resource's ledger rows, whatever the organization's size, and a
  // project member may read it.
  const costs = useApi(() => api.resourceCosts(resource.id), [resource.id]);
  if (costs.loading && !costs.data) return <Loading what="Loading its cost" />;
  if (!costs.data) return null;
  const { amount, projected_amount, currency } = costs.data;
  return (
    <div className="stat-row" data-testid="resource-cost">
      <div className="stat">
        <span className="label">Cost this month so far</span>
        <strong data-testid="resource-cost-so-far">
          <Money amount={amount} currency={currency} />
        </strong>
      </div>
      <div className="stat">
        <span className="label">Projected to {formatPeriodEnd(costs.data.to)}</span>
        <strong>
          <Money amount={projected_amount} currency={currency} />
        </strong>
        <span className="muted small" data-testid="resource-cost-projection">
          {/* Usage is not projected: a metered price's projection is the usage reported so far. */}
          {metered ? "If no more usage is reported" : "If nothing changes"}
        </span>
      </div>
    </div>
  );
}

export function ResourceUsage({ resource, meters }: { resource: Resource; meters: MeterShown[] }) {
  const [preset, setPreset] = useState<UsagePreset>("24h");
  const [granularity, setGranularity] = useState<Granularity>("hour");
  const range = useMemo(() => usageRange(preset, granularity, new Date()), [preset, granularity]);
  return (
    <section className="panel" aria-labelledby="usage-heading">
      <h2 id="usage-heading">Usage</h2>
      <form className="toolbar" aria-label="Usage range" onSubmit={(e) => e.preventDefault()}>
        <Field label="Range">
          {(p) => (
            <select
              {...p}
              name="usage-range"
              value={preset}
              onChange={(e) => {
                const next = e.target.value as UsagePreset;
                setPreset(next);
                setGranularity(defaultGranularity(next));
              }}
            >
              {(Object.keys(usagePresets) as UsagePreset[]).map((k) => (
                <option key={k} value={k}>
                  {usagePresets[k]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Per">
          {(p) => (
            <select
              {...p}
              name="usage-granularity"
              value={granularity}
              onChange={(e) => setGranularity(e.target.value as Granularity)}
            >
              {granularitiesOf(preset).map((g) => (
                <option key={g} value={g}>
                  {g === "hour" ? "Hour" : "Day"}
                </option>
              ))}
            </select>
          )}
        </Field>
      </form>
      {meters.map((meter) => (
        <MeterUsage
          key={meter.eventName}
          resourceId={resource.id}
          meter={meter}
          granularity={granularity}
          range={range}
        />
      ))}
    </section>
  );
}

function MeterUsage({
  resourceId,
  meter,
  granularity,
  range,
}: {
  resourceId: string;
  meter: MeterShown;
  granularity: Granularity;
  range: { from: string; to: string };
}) {
  const { eventName } = meter;
  const usage = useApi(
    () => api.resourceUsage(resourceId, { event_name: eventName, granularity, ...range }),
    [resourceId, eventName, granularity, range.from, range.to],
  );
  return (
    <div className="meter-usage">
      <h3>
        {meter.name} {meter.name !== eventName ? <code className="small">{eventName}</code> : null}
        {usage.data && usage.data.total !== null ? (
          <span className="muted small" data-testid="usage-total">
            {" "}
            · {usage.data.aggregation.replace("_", " ")} over the range:{" "}
            {formatUsageValue(usage.data.total)}
          </span>
        ) : null}
      </h3>
      {usage.loading && !usage.data ? <Loading what="Loading usage" /> : null}
      <ErrorNotice error={usage.error} title="Usage could not be loaded." onRetry={usage.reload} />
      {usage.data ? <UsageChart usage={usage.data} title={meter.name} /> : null}
    </div>
  );
}
