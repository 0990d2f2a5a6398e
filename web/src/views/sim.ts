// Simulator reports: open the output of `fairway sim --json` (one JSON object per policy per line; a JSON array or
// `{ results: [...] }` works too) and compare the policies side by side.
import { h, pct } from '../dom.ts';
import { colour, lineChart } from '../charts.ts';
import type { SimSummary } from '../sim-file.ts';

const hrs = (s: number | undefined): string => (s === undefined ? '—' : `${(s / 3600).toFixed(2)} h`);
const num = (v: number | undefined, d = 3): string => (v === undefined ? '—' : v.toFixed(d));

/** One metric across policies as horizontal bars, longest = largest. */
function metricBars(title: string, runs: SimSummary[], get: (r: SimSummary) => number | undefined, fmt: (v: number) => string): HTMLElement {
  const vals = runs.map(get);
  const max = Math.max(1e-9, ...vals.map((v) => v ?? 0));
  return h('div', { class: 'metric' }, h('div', { class: 'card-title' }, title),
    ...runs.map((r, i) => h('div', { class: 'metric-row' },
      h('span', { class: 'metric-name' }, r.policy),
      h('div', { class: 'bar' }, h('div', { class: 'fill', style: `width:${(((vals[i] ?? 0) / max) * 100).toFixed(1)}%;background:${colour(i)}` }), h('span', { class: 'bar-label' }, vals[i] === undefined ? '—' : fmt(vals[i]!))),
    )));
}

export function simView(runs: SimSummary[], fileName: string): HTMLElement {
  const first = runs[0];
  const head = h('p', { class: 'muted' }, `${fileName}: ${runs.length} polic${runs.length === 1 ? 'y' : 'ies'}${first?.trace ? ` · trace ${first.trace}` : ''}${first?.cluster ? ` · cluster ${first.cluster}` : ''}${first?.seed !== undefined ? ` · seed ${first.seed}` : ''}`);
  const metrics = h('div', { class: 'metrics' },
    metricBars('average JCT', runs, (r) => r.avgJctS, (v) => hrs(v)),
    metricBars('p95 JCT', runs, (r) => r.p95JctS, (v) => hrs(v)),
    metricBars('average wait', runs, (r) => r.avgWaitS, (v) => hrs(v)),
    metricBars('GPU allocated', runs, (r) => r.gpuUtil, (v) => pct(v, 1)),
    metricBars("Jain's index (raw)", runs, (r) => r.jainRaw, (v) => v.toFixed(3)),
    metricBars("Jain's index (normalised)", runs, (r) => r.jainNormalised, (v) => v.toFixed(3)),
    metricBars('worst ρ', runs, (r) => r.rhoMax, (v) => v.toFixed(2)),
  );
  const columns = h('div', { class: 'sim-columns', 'data-testid': 'sim-columns' }, ...runs.map((r, i) => {
    const tenants = r.tenants ?? [];
    const max = Math.max(0.05, ...tenants.flatMap((t) => [t.gpuTimeShare, t.fairShare]));
    const col = h('div', { class: 'sim-col', 'data-policy': r.policy },
      h('h3', { style: `border-color:${colour(i)}` }, r.policy),
      h('table', { class: 'kv' }, h('tbody', {},
        ...([['jobs', `${r.jobs}${r.unfinished ? ` (+${r.unfinished} unfinished)` : ''}`], ['avg / median / p95 JCT', `${hrs(r.avgJctS)} / ${hrs(r.medianJctS)} / ${hrs(r.p95JctS)}`],
          ['avg / p95 wait', `${hrs(r.avgWaitS)} / ${hrs(r.p95WaitS)}`], ['makespan', hrs(r.makespanS)], ['GPU allocated / used', `${r.gpuUtil !== undefined ? pct(r.gpuUtil, 1) : '—'} / ${r.gpuUsedUtil !== undefined ? pct(r.gpuUsedUtil, 1) : '—'}`],
          ['Jain raw / normalised', `${num(r.jainRaw)} / ${num(r.jainNormalised)}`], ['worst ρ', num(r.rhoMax, 2)],
          ['preemptions · migrations · missed deadlines', `${r.preemptions ?? '—'} · ${r.migrations ?? '—'} · ${r.deadlineMisses ?? '—'}`]] as const)
          .map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, v))))),
      tenants.length ? h('div', {}, h('div', { class: 'card-title' }, 'GPU-time share vs fair share'),
        ...tenants.map((t) => h('div', { class: 'metric-row' }, h('span', { class: 'metric-name' }, t.tenant),
          h('div', { class: 'bar share' }, h('div', { class: 'fill', style: `width:${((t.gpuTimeShare / max) * 100).toFixed(1)}%` }),
            h('div', { class: 'marker fair', title: `fair share ${pct(t.fairShare, 1)}`, style: `left:${((t.fairShare / max) * 100).toFixed(1)}%` }),
            h('span', { class: 'bar-label' }, `${pct(t.gpuTimeShare, 1)} · ρ ${t.rho.toFixed(2)}`))))) : null,
    );
    if (r.series && r.series.length > 1) {
      const host = h('div', { class: 'chart' });
      const x = r.series.map((p) => p.tMs / 3_600_000);
      lineChart(host, { title: 'GPU allocated and Jain over simulated hours', width: 420, height: 180, x, yRange: [0, 1.05], series: [{ label: 'GPU', values: r.series.map((p) => p.gpuAlloc) }, { label: 'Jain raw', values: r.series.map((p) => p.jainRaw) }, { label: 'Jain norm.', values: r.series.map((p) => p.jainNormalised) }] });
      col.append(host);
    }
    return col;
  }));
  const withQ = runs.filter((r) => r.jctQuantilesS && r.jctQuantilesS.length === 101);
  let cdf: HTMLElement | null = null;
  if (withQ.length > 0) {
    cdf = h('div', { class: 'chart', 'data-testid': 'sim-jct' });
    lineChart(cdf, { title: 'JCT by percentile (hours)', width: 700, height: 220, x: Array.from({ length: 101 }, (_v, i) => i), series: withQ.map((r) => ({ label: r.policy, values: r.jctQuantilesS!.map((v) => v / 3600) })) });
  }
  const hint = runs.some((r) => r.series) ? null : h('p', { class: 'muted small' }, 'Run with ', h('code', {}, 'fairway sim --json --series'), ' to add the JCT distribution and the utilisation and fairness over time.');
  return h('div', {}, head, h('h2', {}, 'Policies compared'), metrics, cdf, hint, h('h2', {}, 'Side by side'), columns);
}
