/** A hand-made horizontal bar chart: month-to-date (solid) over projected to period end (light). */
import { formatMoney } from "../money";

export interface Bar {
  key: string;
  name: string;
  amount: number;
  projected: number;
}

export function BarChart({
  bars,
  currency,
  title,
}: {
  bars: Bar[];
  currency: string;
  title: string;
}) {
  const rowHeight = 34;
  const labelWidth = 180;
  const valueWidth = 170;
  const width = 760;
  const plot = width - labelWidth - valueWidth;
  const max = Math.max(1, ...bars.map((b) => Math.max(b.amount, b.projected)));
  const height = Math.max(1, bars.length) * rowHeight + 34;
  const scale = (v: number) => (Math.max(0, v) / max) * plot;
  const clip = (s: string) => (s.length > 24 ? `${s.slice(0, 23)}…` : s);
  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={`${title}: ${bars
          .map((b) => `${b.name} ${formatMoney(b.amount, currency)} so far`)
          .join(", ")}`}
        preserveAspectRatio="xMinYMin meet"
      >
        <title>{title}</title>
        {bars.length === 0 ? (
          <text x={width / 2} y={24} textAnchor="middle" className="chart-empty">
            No costs in this period
          </text>
        ) : null}
        {bars.map((bar, i) => {
          const y = i * rowHeight + 6;
          return (
            <g key={bar.key} data-testid="chart-bar">
              <text x={labelWidth - 10} y={y + 17} textAnchor="end" className="chart-label">
                {clip(bar.name)}
              </text>
              <rect
                x={labelWidth}
                y={y + 2}
                width={plot}
                height={20}
                rx={4}
                className="chart-track"
              />
              <rect
                x={labelWidth}
                y={y + 2}
                width={scale(bar.projected)}
                height={20}
                rx={4}
                className="chart-projected"
              />
              <rect
                x={labelWidth}
                y={y + 2}
                width={scale(bar.amount)}
                height={20}
                rx={4}
                className="chart-actual"
              />
              <text x={labelWidth + plot + 10} y={y + 17} className="chart-value">
                {formatMoney(bar.amount, currency)} · {formatMoney(bar.projected, currency)}
              </text>
            </g>
          );
        })}
        <g transform={`translate(${labelWidth}, ${height - 14})`} className="chart-legend">
          <rect width={12} height={12} y={-10} rx={2} className="chart-actual" />
          <text x={18}>Month to date</text>
          <rect x={130} width={12} height={12} y={-10} rx={2} className="chart-projected" />
          <text x={148}>Projected to period end</text>
        </g>
      </svg>
    </figure>
  );
}
