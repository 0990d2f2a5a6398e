// Small hand-written SVG charts for simulation reports (no dependencies): line charts (several series over a shared
// x axis, optionally step-shaped for CDFs) and grouped bar charts. Output is deterministic text.

export interface Series {
  readonly name: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const W = 720;
const H = 360;
const M = { l: 64, r: 160, t: 36, b: 48 };

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (v: number): string => (Math.abs(v) >= 1000 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));

function ticks(min: number, max: number, n = 5): number[] {
  if (max <= min) return [min];
  const step = (max - min) / n;
  return Array.from({ length: n + 1 }, (_, i) => min + i * step);
}

export interface LineChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly yMin?: number;
  readonly yMax?: number;
  /** log10 x axis (for JCT CDFs spanning seconds to weeks). */
  readonly logX?: boolean;
  readonly step?: boolean;
}

export function lineChart(series: readonly Series[], o: LineChartOptions): string {
  const tx = (x: number): number => (o.logX ? Math.log10(Math.max(1, x)) : x);
  const all = series.flatMap((s) => s.points);
  const xs = all.map(([x]) => tx(x));
  const ys = all.map(([, y]) => y);
  const xMin = xs.length ? Math.min(...xs) : 0;
  const xMax = xs.length ? Math.max(...xs) : 1;
  const yMin = o.yMin ?? (ys.length ? Math.min(...ys) : 0);
  const yMax = o.yMax ?? (ys.length ? Math.max(...ys) : 1);
  const pw = W - M.l - M.r;
  const ph = H - M.t - M.b;
  const px = (x: number): number => M.l + (xMax > xMin ? ((tx(x) - xMin) / (xMax - xMin)) * pw : 0);
  const py = (y: number): number => M.t + ph - (yMax > yMin ? ((y - yMin) / (yMax - yMin)) * ph : 0);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(o.title)}</text>`);
  for (const t of ticks(yMin, yMax)) {
    const y = py(t).toFixed(1);
    out.push(`<line x1="${M.l}" x2="${M.l + pw}" y1="${y}" y2="${y}" stroke="#e5e5e5"/><text x="${M.l - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${fmt(t)}</text>`);
  }
  for (const t of ticks(xMin, xMax)) {
    const x = (M.l + (xMax > xMin ? ((t - xMin) / (xMax - xMin)) * pw : 0)).toFixed(1);
    const label = o.logX ? fmt(10 ** t) : fmt(t);
    out.push(`<line x1="${x}" x2="${x}" y1="${M.t + ph}" y2="${M.t + ph + 4}" stroke="#333"/><text x="${x}" y="${M.t + ph + 16}" text-anchor="middle">${label}</text>`);
  }
  out.push(`<rect x="${M.l}" y="${M.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${M.l + pw / 2}" y="${H - 10}" text-anchor="middle">${esc(o.xLabel)}${o.logX ? ' (log scale)' : ''}</text>`);
  out.push(`<text transform="translate(16 ${M.t + ph / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  series.forEach((s, i) => {
    const c = COLOURS[i % COLOURS.length];
    let d = '';
    let prevY: number | undefined;
    for (const [x, y] of s.points) {
      const X = px(x).toFixed(1);
      const Y = py(y).toFixed(1);
      if (d === '') d = `M${X},${Y}`;
      else d += o.step && prevY !== undefined ? `H${X}V${Y}` : `L${X},${Y}`;
      prevY = y;
    }
    if (d) out.push(`<path d="${d}" fill="none" stroke="${c}" stroke-width="1.6"/>`);
    const ly = M.t + 14 + i * 18;
    out.push(`<line x1="${W - M.r + 12}" x2="${W - M.r + 32}" y1="${ly}" y2="${ly}" stroke="${c}" stroke-width="3"/><text x="${W - M.r + 38}" y="${ly}" dominant-baseline="middle">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

export interface BarGroup {
  readonly label: string;
  readonly values: readonly number[];
}

/** Grouped bars: one group per label, one bar per series name. */
export function barChart(groups: readonly BarGroup[], seriesNames: readonly string[], o: { title: string; yLabel: string; yMax?: number }): string {
  const pw = W - M.l - M.r;
  const ph = H - M.t - M.b;
  const yMax = o.yMax ?? Math.max(1e-9, ...groups.flatMap((g) => g.values));
  const gw = pw / Math.max(1, groups.length);
  const bw = (gw * 0.8) / Math.max(1, seriesNames.length);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(o.title)}</text>`);
  for (const t of ticks(0, yMax)) {
    const y = (M.t + ph - (t / yMax) * ph).toFixed(1);
    out.push(`<line x1="${M.l}" x2="${M.l + pw}" y1="${y}" y2="${y}" stroke="#e5e5e5"/><text x="${M.l - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${fmt(t)}</text>`);
  }
  groups.forEach((g, gi) => {
    g.values.forEach((v, si) => {
      const h = (Math.min(v, yMax) / yMax) * ph;
      const x = M.l + gi * gw + gw * 0.1 + si * bw;
      out.push(`<rect x="${x.toFixed(1)}" y="${(M.t + ph - h).toFixed(1)}" width="${Math.max(1, bw - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLOURS[si % COLOURS.length]}"><title>${esc(`${g.label} · ${seriesNames[si] ?? ''}: ${fmt(v)}`)}</title></rect>`);
    });
    out.push(`<text x="${(M.l + gi * gw + gw / 2).toFixed(1)}" y="${M.t + ph + 16}" text-anchor="middle">${esc(g.label)}</text>`);
  });
  out.push(`<rect x="${M.l}" y="${M.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(`<text transform="translate(16 ${M.t + ph / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  seriesNames.forEach((n, i) => {
    const ly = M.t + 14 + i * 18;
    out.push(`<rect x="${W - M.r + 12}" y="${ly - 6}" width="20" height="12" fill="${COLOURS[i % COLOURS.length]}"/><text x="${W - M.r + 38}" y="${ly}" dominant-baseline="middle">${esc(n)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
