/**
 * One meter's usage over time: a column per hour or day drawn in SVG, the axis and bucket labels
 * in HTML beside it (an SVG viewBox would shrink text on a phone). One image for screen readers
 * with the total and the peak in its label; every value is in the table under "Show values".
 */
import type { ResourceUsage } from "../api";
import { axisMax, fillBuckets, formatBucket, formatUsageValue } from "../usage";
import { TableScroll } from "./ui";

export function UsageChart({ usage, title }: { usage: ResourceUsage; title: string }) {
  const buckets = fillBuckets(usage);
  const held = buckets.filter((b) => b.value !== null);
  const top = axisMax(held.map((b) => Number(b.value)));
  const per = usage.granularity === "hour" ? "per hour" : "per day";
  const peak = held.reduce<(typeof held)[number] | null>(
    (best, b) => (best === null || Number(b.value) > Number(best.value) ? b : best),
    null,
  );
  const span = `${formatBucket(usage.from, usage.granularity)} – ${formatBucket(
    buckets.at(-1)?.start ?? usage.to,
    usage.granularity,
  )} (UTC)`;
  const label =
    held.length === 0
      ? `${title} ${per}, ${span}: no usage`
      : `${title} ${per}, ${span}: total ${formatUsageValue(usage.total ?? "0")}; peak ${formatUsageValue(
          peak?.value ?? "0",
        )} on ${formatBucket(peak?.start ?? usage.from, usage.granularity)}`;
  const width = Math.max(1, buckets.length);
  const middle = buckets[Math.floor(buckets.length / 2)];
  return (
    <figure className="chart usage-chart">
      <div className="usage-plot">
        <div className="usage-axis" aria-hidden="true">
          <span>{formatUsageValue(String(top))}</span>
          <span>{formatUsageValue(String(top / 2))}</span>
          <span>0</span>
        </div>
        <svg
          role="img"
          aria-label={label}
          viewBox={`0 0 ${width} 100`}
          preserveAspectRatio="none"
          className="usage-svg"
          data-testid="usage-chart"
        >
          <line x1="0" x2={width} y1="50" y2="50" className="usage-grid" />
          {buckets.map((b, i) =>
            b.value === null ? null : (
              <rect
                key={b.start}
                x={i + 0.1}
                width={0.8}
                y={100 - (Number(b.value) / top) * 100}
                height={(Number(b.value) / top) * 100}
                className="usage-bar"
                data-testid="usage-bar"
                data-start={b.start}
                data-value={b.value}
              >
                <title>{`${formatBucket(b.start, usage.granularity)}: ${formatUsageValue(b.value)}`}</title>
              </rect>
            ),
          )}
        </svg>
      </div>
      <div className="usage-ticks" aria-hidden="true">
        <span>{formatBucket(usage.from, usage.granularity)}</span>
        <span>{middle ? formatBucket(middle.start, usage.granularity) : ""}</span>
        <span>
          {buckets.at(-1) ? formatBucket(buckets.at(-1)?.start ?? "", usage.granularity) : ""}
        </span>
      </div>
      {held.length === 0 ? (
        <>
          <p className="chart-empty">No usage in this range.</p>
          <p className="hint" data-testid="usage-how-to">
            Usage is reported through <code>POST /v1/usage</code>: events with{" "}
            <code>"resource_id": "{usage.resource_id}"</code> and{" "}
            <code>"event_name": "{usage.event_name}"</code>.
          </p>
        </>
      ) : null}
      {held.length > 0 ? (
        <details className="usage-values">
          <summary>Show values ({held.length})</summary>
          <TableScroll label={`${title} ${per}`}>
            <table className="table compact">
              <thead>
                <tr>
                  <th scope="col">{usage.granularity === "hour" ? "Hour (UTC)" : "Day (UTC)"}</th>
                  <th scope="col" className="num">
                    Usage
                  </th>
                </tr>
              </thead>
              <tbody>
                {held.map((b) => (
                  <tr key={b.start}>
                    <td>{formatBucket(b.start, usage.granularity)}</td>
                    <td className="num">{formatUsageValue(b.value ?? "0")}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        </details>
      ) : null}
    </figure>
  );
}
