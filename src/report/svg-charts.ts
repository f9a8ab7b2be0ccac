import { escapeHtml } from './escape-html.js';

/** Colours that stay apart for the usual four strategies, also in grey-scale print. */
export const seriesColors = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf'] as const;

export function seriesColor(index: number): string {
  return seriesColors[index % seriesColors.length]!;
}

const width = 640;
const height = 280;
const margin = { left: 60, right: 20, top: 16, bottom: 46 };
const plotWidth = width - margin.left - margin.right;
const plotHeight = height - margin.top - margin.bottom;

/** Fixed decimals keep the markup short and stable across runs. */
function coordinate(value: number): string {
  return value.toFixed(1);
}

export function formatShare(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

export function formatCount(value: number): string {
  if (value >= 1_000_000) return `${(value / 1_000_000).toFixed(value >= 10_000_000 ? 0 : 1)}M`;
  if (value >= 1_000) return `${(value / 1_000).toFixed(value >= 10_000 ? 0 : 1)}k`;
  return String(Math.round(value));
}

type YKind = 'share' | 'count';

interface YAxis {
  low: number;
  high: number;
  ticks: number[];
  format: (value: number) => string;
}

/** A round upper bound for counts: 1, 2 or 5 times a power of ten. */
function niceCeiling(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}

/**
 * Shares are fitted to the data (in 5% steps) because the differences that matter, a few points
 * of accuracy between strategies or positions, vanish on a 0-100% axis; counts start at zero.
 */
function yAxis(values: readonly number[], kind: YKind): YAxis {
  if (kind === 'count') {
    const high = niceCeiling(Math.max(0, ...values));
    return { low: 0, high, ticks: [0, 1, 2, 3, 4].map((step) => (high * step) / 4), format: formatCount };
  }
  const finite = values.length === 0 ? [0, 1] : values;
  // Whole percents: 0.05 * 20 is not exactly 1 in floating point.
  let low = Math.max(0, Math.floor((Math.min(...finite) - 0.02) * 20) * 5);
  let high = Math.min(100, Math.ceil((Math.max(...finite) + 0.02) * 20) * 5);
  if (high - low < 10) {
    if (high + 5 <= 100) high += 5;
    if (high - low < 10) low = Math.max(0, high - 10);
  }
  const step = high - low <= 30 ? 5 : high - low <= 60 ? 10 : 20;
  const ticks: number[] = [];
  for (let tick = low; tick <= high; tick += step) ticks.push(tick / 100);
  return { low: low / 100, high: high / 100, ticks, format: (value) => `${Math.round(value * 100)}%` };
}

function yPixel(axis: YAxis, value: number): number {
  const span = axis.high - axis.low || 1;
  return margin.top + plotHeight * (1 - (value - axis.low) / span);
}

function yAxisMarkup(axis: YAxis, label: string): string {
  const ticks = axis.ticks
    .map((tick) => {
      const y = coordinate(yPixel(axis, tick));
      return `<line class="grid" x1="${margin.left}" x2="${width - margin.right}" y1="${y}" y2="${y}"/><text class="tick" x="${margin.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeHtml(axis.format(tick))}</text>`;
    })
    .join('');
  const middle = coordinate(margin.top + plotHeight / 2);
  return `${ticks}<text class="axis-label" transform="translate(14 ${middle}) rotate(-90)" text-anchor="middle">${escapeHtml(label)}</text>`;
}

function svgOpen(id: string, title: string, expectedMarks: number): string {
  return `<svg id="${escapeHtml(id)}" data-chart="${escapeHtml(id)}" data-expected-marks="${expectedMarks}" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(title)}">`;
}

function legend(entries: readonly { name: string; colorIndex: number }[]): string {
  return `<ul class="legend">${entries
    .map(
      (entry) =>
        `<li><span class="swatch" style="background:${seriesColor(entry.colorIndex)}"></span>${escapeHtml(entry.name)}</li>`,
    )
    .join('')}</ul>`;
}

export interface LinePoint {
  x: number;
  y: number;
  /** The tooltip: what the point is, in words. */
  title: string;
}

export interface LineSeries {
  name: string;
  /** Picks the colour, so a strategy keeps its colour in charts that leave some strategies out. */
  colorIndex: number;
  points: LinePoint[];
}

export interface LineChartOptions {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  xTicks: { value: number; label: string }[];
  yKind: YKind;
  series: LineSeries[];
}

/** A line chart with one marked point per value; each point carries `data-mark` for the render check. */
export function lineChart(options: LineChartOptions): string {
  const xValues = [
    ...options.xTicks.map((tick) => tick.value),
    ...options.series.flatMap((s) => s.points.map((p) => p.x)),
  ];
  let xLow = Math.min(...xValues);
  let xHigh = Math.max(...xValues);
  if (xLow === xHigh) {
    xLow -= 0.5;
    xHigh += 0.5;
  }
  // Points sit inside the frame, not on its edge, so the first and last markers show in full.
  const inset = 14;
  const xPixel = (value: number) =>
    margin.left + inset + ((plotWidth - 2 * inset) * (value - xLow)) / (xHigh - xLow);
  const axis = yAxis(
    options.series.flatMap((series) => series.points.map((point) => point.y)),
    options.yKind,
  );
  const marks = options.series.reduce((total, series) => total + series.points.length, 0);
  const xTicks = options.xTicks
    .map(
      (tick) =>
        `<text class="tick" x="${coordinate(xPixel(tick.value))}" y="${height - margin.bottom + 16}" text-anchor="middle">${escapeHtml(tick.label)}</text>`,
    )
    .join('');
  const lines = options.series
    .map((series, index) => {
      const color = seriesColor(series.colorIndex);
      // Earlier series get larger markers, so a point hidden under a later one's still shows a rim.
      const radius = 4 + 1.5 * (options.series.length - 1 - index);
      const path =
        series.points.length > 1
          ? `<polyline fill="none" stroke="${color}" stroke-width="2" points="${series.points.map((point) => `${coordinate(xPixel(point.x))},${coordinate(yPixel(axis, point.y))}`).join(' ')}"/>`
          : '';
      const dots = series.points
        .map(
          (point) =>
            `<circle data-mark="" data-series="${index}" cx="${coordinate(xPixel(point.x))}" cy="${coordinate(yPixel(axis, point.y))}" r="${radius}" fill="${color}"><title>${escapeHtml(`${series.name}: ${point.title}`)}</title></circle>`,
        )
        .join('');
      return `<g class="series">${path}${dots}</g>`;
    })
    .join('');
  const frame = `<line class="axis" x1="${margin.left}" x2="${width - margin.right}" y1="${height - margin.bottom}" y2="${height - margin.bottom}"/><line class="axis" x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${height - margin.bottom}"/>`;
  const xAxisLabel = `<text class="axis-label" x="${coordinate(margin.left + plotWidth / 2)}" y="${height - 8}" text-anchor="middle">${escapeHtml(options.xLabel)}</text>`;
  return `<figure class="chart">${svgOpen(options.id, options.title, marks)}<title>${escapeHtml(options.title)}</title>${yAxisMarkup(axis, options.yLabel)}${frame}${xTicks}${xAxisLabel}${lines}</svg><figcaption>${escapeHtml(options.title)}</figcaption>${legend(options.series)}</figure>`;
}

export interface Bar {
  /** Index into `series`: the bar's colour and place within its category. */
  series: number;
  /** A share, 0..1. */
  value: number;
  title: string;
}

export interface BarChartOptions {
  id: string;
  title: string;
  yLabel: string;
  series: { name: string; colorIndex: number }[];
  categories: { label: string; bars: Bar[] }[];
}

/** Grouped bars of shares on a 0-100% axis: few bars, each labelled with its value. */
export function barChart(options: BarChartOptions): string {
  const axis: YAxis = {
    low: 0,
    high: 1,
    ticks: [0, 0.25, 0.5, 0.75, 1],
    format: (value) => `${(value * 100).toFixed(0)}%`,
  };
  const slot = plotWidth / Math.max(1, options.categories.length);
  const barWidth = Math.min(72, (slot * 0.8) / Math.max(1, options.series.length));
  const groupWidth = barWidth * options.series.length;
  const marks = options.categories.reduce((total, category) => total + category.bars.length, 0);
  const bottom = height - margin.bottom;
  const groups = options.categories
    .map((category, categoryIndex) => {
      const slotStart = margin.left + slot * categoryIndex + (slot - groupWidth) / 2;
      const bars = category.bars
        .map((bar) => {
          const x = slotStart + barWidth * bar.series;
          const top = yPixel(axis, Math.min(1, Math.max(0, bar.value)));
          return `<rect data-mark="" data-series="${bar.series}" x="${coordinate(x + 1)}" y="${coordinate(top)}" width="${coordinate(Math.max(1, barWidth - 2))}" height="${coordinate(bottom - top)}" fill="${seriesColor(options.series[bar.series]?.colorIndex ?? bar.series)}"><title>${escapeHtml(bar.title)}</title></rect><text class="value" x="${coordinate(x + barWidth / 2)}" y="${coordinate(top - 4)}" text-anchor="middle">${escapeHtml(formatShare(bar.value))}</text>`;
        })
        .join('');
      const label = `<text class="tick" x="${coordinate(margin.left + slot * (categoryIndex + 0.5))}" y="${bottom + 16}" text-anchor="middle">${escapeHtml(category.label)}</text>`;
      return `<g class="category">${bars}${label}</g>`;
    })
    .join('');
  const frame = `<line class="axis" x1="${margin.left}" x2="${width - margin.right}" y1="${bottom}" y2="${bottom}"/>`;
  return `<figure class="chart">${svgOpen(options.id, options.title, marks)}<title>${escapeHtml(options.title)}</title>${yAxisMarkup(axis, options.yLabel)}${frame}${groups}</svg><figcaption>${escapeHtml(options.title)}</figcaption>${legend(options.series)}</figure>`;
}
