/**
 * Hand-made charts in HTML and CSS (no SVG viewBox that shrinks text on a phone):
 * - `BarChart`: one horizontal bar per group, so far (solid) over projected to period end (light);
 * - `TrendChart`: one column per month, the current month's projection drawn light above it.
 * Each is one image for screen readers, with every value spelled out in its label.
 */
import { formatMoney } from "../money";

export interface Bar {
  key: string;
  name: string;
  amount: number;
  projected: number;
}

const pct = (v: number, max: number) => `${(Math.max(0, v) / max) * 100}%`;

export function BarChart({
  bars,
  currency,
  title,
  soFar = "Month to date",
}: {
  bars: Bar[];
  currency: string;
  title: string;
  soFar?: string;
}) {
  const max = Math.max(1, ...bars.map((b) => Math.max(b.amount, b.projected)));
  const label = `${title}: ${
    bars.length === 0
      ? "no costs in this period"
      : bars
          .map(
            (b) =>
              `${b.name} ${formatMoney(b.amount, currency)} so far, ${formatMoney(b.projected, currency)} projected`,
          )
          .join("; ")
  }`;
  return (
    <figure className="chart">
      <div role="img" aria-label={label} className="hbars">
        {bars.length === 0 ? <p className="chart-empty">No costs in this period</p> : null}
        {bars.map((bar) => (
          <div key={bar.key} className="hbar" data-testid="chart-bar">
            <span className="hbar-label" title={bar.name}>
              {bar.name}
            </span>
            <span className="hbar-track">
              <span className="hbar-projected" style={{ width: pct(bar.projected, max) }} />
              <span className="hbar-actual" style={{ width: pct(bar.amount, max) }} />
            </span>
            <span className="hbar-value">
              {formatMoney(bar.amount, currency)}
              {bar.projected !== bar.amount ? (
                <span className="muted"> · {formatMoney(bar.projected, currency)}</span>
              ) : null}
            </span>
          </div>
        ))}
      </div>
      <figcaption className="chart-legend" aria-hidden="true">
        <span className="legend-swatch hbar-actual" /> {soFar}
        <span className="legend-swatch hbar-projected" /> Projected to period end
      </figcaption>
    </figure>
  );
}

export interface TrendPoint {
  /** "2026-11" */
  month: string;
  amount: number;
  /** Greater than amount only for the month still running. */
  projected: number;
}

const monthShort = (month: string) =>
  new Date(`${month}-01T00:00:00Z`).toLocaleDateString("en-US", {
    month: "short",
    timeZone: "UTC",
  });
const monthLong = (month: string) =>
  new Date(`${month}-01T00:00:00Z`).toLocaleDateString("en-US", {
    month: "long",
    year: "numeric",
    timeZone: "UTC",
  });

export function TrendChart({
  points,
  currency,
  title,
  selected,
}: {
  points: TrendPoint[];
  currency: string;
  title: string;
  /** Months inside the chosen range, drawn stronger. */
  selected?: (month: string) => boolean;
}) {
  const max = Math.max(1, ...points.map((p) => Math.max(p.amount, p.projected)));
  const label = `${title}: ${points
    .map(
      (p) =>
        `${monthLong(p.month)} ${formatMoney(p.amount, currency)}${
          p.projected > p.amount ? ` (projected ${formatMoney(p.projected, currency)})` : ""
        }`,
    )
    .join("; ")}`;
  return (
    <figure className="chart">
      <div role="img" aria-label={label} className="trend" data-testid="trend-chart">
        {points.map((p) => (
          <div
            key={p.month}
            className={`trend-col ${selected?.(p.month) ? "trend-selected" : ""}`}
            title={`${monthLong(p.month)}: ${formatMoney(p.amount, currency)}${
              p.projected > p.amount ? `, projected ${formatMoney(p.projected, currency)}` : ""
            }`}
            data-testid="trend-month"
          >
            <span className="trend-plot">
              <span className="trend-projected" style={{ height: pct(p.projected, max) }} />
              <span className="trend-actual" style={{ height: pct(p.amount, max) }} />
            </span>
            <span className="trend-label">{monthShort(p.month)}</span>
          </div>
        ))}
      </div>
      <figcaption className="chart-legend" aria-hidden="true">
        <span className="legend-swatch hbar-actual" /> Billed
        <span className="legend-swatch hbar-projected" /> Projected (this month)
      </figcaption>
    </figure>
  );
}
