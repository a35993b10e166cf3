/** @jsxImportSource hono/jsx */
/**
 * Server-rendered SVG charts: no script, no library in the browser, readable when printed. Each chart has
 * a title for screen readers, and the page puts the same numbers in a table beside it (with CSV).
 * Values are the ledger's decimal strings, turned into numbers only to draw.
 */

/** Okabe–Ito: told apart by people with colour-blindness, dark enough on white. */
export const seriesColours = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#8C564B'];

export interface Series {
  readonly name: string;
  readonly values: readonly number[];
}

const width = 720;
const plotTop = 16;
const plotLeft = 56;
const plotRight = 16;
const plotHeight = 220;
const legendRowHeight = 18;

/** A round upper bound for the axis: 1, 2 or 5 times a power of ten. */
export function niceMax(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/** Colour of the line drawn over bars (a level over time, like points outstanding at each month's end). */
export const lineColour = '#000000';

/**
 * Vertical bars per label: grouped side by side, or stacked; and optionally one line over them, for a level
 * (not a flow) on the same scale. Values below zero are drawn at zero; their titles say what they are.
 */
export function BarChart(props: { id: string; title: string; labels: readonly string[]; series: readonly Series[]; stacked?: boolean; line?: Series }) {
  const { labels, series, line } = props;
  const totals = labels.map((_, i) => (props.stacked ? series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0) : Math.max(0, ...series.map((s) => s.values[i] ?? 0))));
  const max = niceMax(Math.max(0, ...totals, ...(line?.values ?? [])));
  const plotWidth = width - plotLeft - plotRight;
  const slot = plotWidth / Math.max(1, labels.length);
  const barGroup = slot * 0.7;
  const barWidth = props.stacked ? barGroup : barGroup / Math.max(1, series.length);
  const y = (v: number) => plotTop + plotHeight - (v / max) * plotHeight;
  const legendTop = plotTop + plotHeight + 40;
  const legendEntries = series.length + (line ? 1 : 0);
  const height = legendTop + Math.ceil(legendEntries / 3) * legendRowHeight + 8;
  const lineX = (i: number) => plotLeft + i * slot + slot / 2;
  const lineY = (v: number) => y(Math.max(0, v));
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * max);
  return (
    <svg class="bar-chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby={`${props.id}-title`} xmlns="http://www.w3.org/2000/svg">
      <title id={`${props.id}-title`}>{props.title}</title>
      {ticks.map((tick) => (
        <g>
          <line x1={plotLeft} x2={width - plotRight} y1={y(tick)} y2={y(tick)} stroke="#bbb" stroke-width="1" />
          <text x={plotLeft - 6} y={y(tick) + 4} text-anchor="end">
            {fmt(tick)}
          </text>
        </g>
      ))}
      {labels.map((label, i) => {
        const x0 = plotLeft + i * slot + (slot - barGroup) / 2;
        let base = 0;
        return (
          <g>
            {series.map((s, k) => {
              const v = s.values[i] ?? 0;
              const top = props.stacked ? y(base + v) : y(v);
              const bottom = props.stacked ? y(base) : y(0);
              const x = props.stacked ? x0 : x0 + k * barWidth;
              base += v;
              return (
                <rect x={x} y={top} width={Math.max(1, barWidth - 1)} height={Math.max(0, bottom - top)} fill={seriesColours[k % seriesColours.length]}>
                  <title>{`${label} ${s.name}: ${fmt(v)}`}</title>
                </rect>
              );
            })}
            <text x={plotLeft + i * slot + slot / 2} y={plotTop + plotHeight + 16} text-anchor="middle">
              {label}
            </text>
          </g>
        );
      })}
      <line x1={plotLeft} x2={width - plotRight} y1={y(0)} y2={y(0)} stroke="#111" stroke-width="1.5" />
      {line ? (
        <g class="line-series">
          <polyline points={labels.map((_, i) => `${lineX(i)},${lineY(line.values[i] ?? 0)}`).join(' ')} fill="none" stroke={lineColour} stroke-width="2.5" />
          {labels.map((label, i) => (
            <circle cx={lineX(i)} cy={lineY(line.values[i] ?? 0)} r="4.5" fill="#fff" stroke={lineColour} stroke-width="2.5">
              <title>{`${label} ${line.name}: ${fmt(line.values[i] ?? 0)}`}</title>
            </circle>
          ))}
        </g>
      ) : null}
      {line
        ? (() => {
            const k = series.length;
            const x = plotLeft + (k % 3) * 220;
            const yy = legendTop + Math.floor(k / 3) * legendRowHeight;
            return (
              <g>
                <line x1={x} x2={x + 14} y1={yy - 4} y2={yy - 4} stroke={lineColour} stroke-width="2.5" />
                <circle cx={x + 7} cy={yy - 4} r="3.5" fill="#fff" stroke={lineColour} stroke-width="2" />
                <text x={x + 20} y={yy}>
                  {line.name}
                </text>
              </g>
            );
          })()
        : null}
      {series.map((s, k) => {
        const x = plotLeft + (k % 3) * 220;
        const yy = legendTop + Math.floor(k / 3) * legendRowHeight;
        return (
          <g>
            <rect x={x} y={yy - 11} width="14" height="14" fill={seriesColours[k % seriesColours.length]} />
            <text x={x + 20} y={yy}>
              {s.name}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

/** Horizontal bars, one per row: top items, the leaderboard. */
export function HorizontalBarChart(props: { id: string; title: string; rows: ReadonlyArray<{ label: string; value: number }> }) {
  const rowHeight = 26;
  const labelWidth = 200;
  const height = plotTop + Math.max(1, props.rows.length) * rowHeight + 8;
  const max = niceMax(Math.max(0, ...props.rows.map((r) => r.value)));
  const barSpace = width - labelWidth - plotRight - 60;
  return (
    <svg class="bar-chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby={`${props.id}-title`} xmlns="http://www.w3.org/2000/svg">
      <title id={`${props.id}-title`}>{props.title}</title>
      {props.rows.map((row, i) => {
        const yy = plotTop + i * rowHeight;
        return (
          <g>
            <text x={labelWidth - 8} y={yy + 15} text-anchor="end">
              {row.label}
            </text>
            <rect x={labelWidth} y={yy} width={Math.max(1, (row.value / max) * barSpace)} height={rowHeight - 6} fill={seriesColours[0]} />
            <text x={labelWidth + (row.value / max) * barSpace + 6} y={yy + 15}>
              {fmt(row.value)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
