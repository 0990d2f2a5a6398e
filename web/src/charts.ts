// Line charts with uPlot. Each chart is re-created when its data changes shape and updated in place otherwise.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const COLOURS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777'];

export interface LineSpec {
  title: string;
  /** x values (seconds since the epoch when `time` is true). */
  x: number[];
  series: { label: string; values: (number | null)[]; dash?: boolean; colour?: string }[];
  /** A shaded band between two series (indexes into `series`), e.g. a forecast's prediction interval. */
  band?: { hi: number; lo: number; fill?: string };
  time?: boolean;
  yRange?: [number, number];
  width?: number;
  height?: number;
}

const charts = new WeakMap<HTMLElement, { plot: uPlot; key: string }>();

/** Draws (or updates) a line chart inside `host`. */
export function lineChart(host: HTMLElement, spec: LineSpec): void {
  const key = `${spec.title}|${spec.series.map((s) => s.label).join(',')}|${spec.time}|${spec.band ? `${spec.band.hi}-${spec.band.lo}` : ''}`;
  const data: uPlot.AlignedData = [spec.x, ...spec.series.map((s) => s.values)];
  host.dataset.points = String(spec.x.length);
  const existing = charts.get(host);
  if (existing && existing.key === key && host.isConnected) {
    existing.plot.setData(data);
    return;
  }
  existing?.plot.destroy();
  host.replaceChildren();
  const opts: uPlot.Options = {
    title: spec.title,
    width: spec.width ?? Math.max(280, Math.min(host.clientWidth || 520, 900)),
    height: spec.height ?? 180,
    scales: { x: { time: spec.time ?? false }, ...(spec.yRange ? { y: { range: spec.yRange } } : {}) },
    series: [{}, ...spec.series.map((s, i) => ({ label: s.label, stroke: s.colour ?? COLOURS[i % COLOURS.length], width: 2, ...(s.dash ? { dash: [6, 4] } : {}), spanGaps: true }))],
    // uPlot numbers series from 1 (0 is x).
    ...(spec.band ? { bands: [{ series: [spec.band.hi + 1, spec.band.lo + 1] as [number, number], fill: spec.band.fill ?? 'rgba(37, 99, 235, 0.15)' }] } : {}),
    legend: { live: false },
    cursor: { drag: { x: false, y: false } },
  };
  charts.set(host, { plot: new uPlot(opts, data, host), key });
}

export function colour(i: number): string {
  return COLOURS[i % COLOURS.length]!;
}
