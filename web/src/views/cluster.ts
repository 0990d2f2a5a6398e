// Cluster: nodes with allocated vs measured use per resource, utilisation over time, load forecasts and migrations.
import type { NodeView, ResourcesWire } from '../../../src/wire/schemas.ts';
import { bar, fmtTime, h, pct } from '../dom.ts';
import { lineChart } from '../charts.ts';
import type { AppState } from '../state.ts';

const DIMS: { key: keyof ResourcesWire; label: string; unit: (v: number) => string }[] = [
  { key: 'cpuMilli', label: 'CPU', unit: (v) => `${(v / 1000).toFixed(1)}` },
  { key: 'gpuMilli', label: 'GPU', unit: (v) => `${(v / 1000).toFixed(1)}` },
  { key: 'memMiB', label: 'Memory', unit: (v) => (v >= 1024 ? `${(v / 1024).toFixed(1)} GiB` : `${v} MiB`) },
];

function resourceCell(n: NodeView, d: (typeof DIMS)[number]): HTMLElement {
  const cap = n.capacity[d.key];
  if (cap === 0) return h('td', { class: 'muted' }, 'none');
  const alloc = n.allocated[d.key];
  const used = n.used?.[d.key];
  return h('td', {},
    bar(alloc, cap, { kind: 'alloc', label: `alloc ${d.unit(alloc)} / ${d.unit(cap)}`, testid: `node-${n.id}-${d.key}-alloc` }),
    used !== undefined ? bar(used, cap, { kind: 'used', label: `used ${d.unit(used)}` }) : h('div', { class: 'muted small' }, 'no telemetry yet'),
  );
}

const DIM_NAMES: Record<string, string> = { cpuMilli: 'CPU', gpuMilli: 'GPU', memMiB: 'Memory', netMbps: 'Network' };
const dimName = (k: string): string => DIM_NAMES[k] ?? k;

export function clusterView(s: AppState): HTMLElement {
  const c = s.cluster;
  const counts = c?.jobs ?? {};
  const cards = h('div', { class: 'cards' },
    card('Nodes', String(s.nodes.length), `${s.nodes.filter((n) => n.status === 'ready').length} ready`),
    card('Queue', String(c?.queueLength ?? 0), 'pending jobs'),
    card('Running', String(counts.running ?? 0), `${counts.succeeded ?? 0} succeeded · ${counts.failed ?? 0} failed`),
    ...Object.entries(c?.utilisation ?? {}).map(([k, v]) => card(`${dimName(k)} allocated`, pct(v), 'of the cluster')),
    card('Last cycle', c?.lastCycle ? `${c.lastCycle.durationMs.toFixed(1)} ms` : '—', c?.lastCycle ? `${fmtTime(c.lastCycle.at)} · placed ${c.lastCycle.placed}/${c.lastCycle.pending}` : 'no cycle yet'),
  );
  const table = h('table', { class: 'grid', 'data-testid': 'nodes' },
    h('thead', {}, h('tr', {}, h('th', {}, 'node'), h('th', {}, 'status'), ...DIMS.map((d) => h('th', {}, d.label)), h('th', {}, 'heartbeat'))),
    h('tbody', {}, ...s.nodes.map((n) => h('tr', { 'data-node': n.id },
      h('td', {}, h('b', {}, n.id), Object.keys(n.labels).length ? h('div', { class: 'muted small' }, Object.entries(n.labels).map(([k, v]) => `${k}=${v}`).join(' ')) : null),
      h('td', {}, h('span', { class: `pill ${n.status}` }, n.status)),
      ...DIMS.map((d) => resourceCell(n, d)),
      h('td', { class: 'small' }, fmtTime(n.lastHeartbeatAt)),
    ))),
  );
  const util = h('div', { class: 'chart' });
  const pts = s.history;
  if (pts.length > 1) {
    const dims = [...new Set(pts.flatMap((p) => Object.keys(p.utilisation)))];
    lineChart(util, { title: 'Allocated share of the cluster over time', time: true, x: pts.map((p) => p.tMs / 1000), yRange: [0, 1], series: dims.map((d) => ({ label: dimName(d), values: pts.map((p) => p.utilisation[d] ?? null) })) });
  } else util.append(h('p', { class: 'muted' }, 'Utilisation over time appears after a few samples.'));

  return h('section', {},
    cards,
    h('h2', {}, 'Nodes'), s.nodes.length ? table : h('p', { class: 'muted' }, 'No node has registered yet: start one with `fairway agent`.'),
    h('p', { class: 'legend small' }, h('span', { class: 'swatch alloc' }), ' allocated by the scheduler ', h('span', { class: 'swatch used' }), ' measured in use by the agent'),
    util,
    forecastSection(s),
    migrationSection(s),
  );
}

function card(title: string, value: string, sub: string): HTMLElement {
  return h('div', { class: 'card' }, h('div', { class: 'card-title' }, title), h('div', { class: 'card-value' }, value), h('div', { class: 'muted small' }, sub));
}

function forecastSection(s: AppState): HTMLElement {
  const f = s.cluster?.forecasts;
  if (!f || f.length === 0) {
    return h('div', {}, h('h2', {}, 'Load forecast'), h('p', { class: 'muted', 'data-testid': 'forecast-none' }, 'This coordinator does not publish load forecasts (the predictive balancer is off); the band appears here when it does.'));
  }
  return h('div', {}, h('h2', {}, 'Load forecast'), h('div', { class: 'chart-row' }, ...f.map((fc) => {
    const host = h('div', { class: 'chart' });
    lineChart(host, {
      title: `${fc.nodeId}${fc.dimension ? ` · ${fc.dimension}` : ''}`, time: true, width: 420,
      x: fc.points.map((p) => Date.parse(p.at) / 1000),
      series: [{ label: 'forecast', values: fc.points.map((p) => p.mean) }, { label: 'low', values: fc.points.map((p) => p.lo), dash: true }, { label: 'high', values: fc.points.map((p) => p.hi), dash: true }],
    });
    return host;
  })));
}

function migrationSection(s: AppState): HTMLElement {
  const planned = s.cluster?.migrations ?? [];
  // `migration` stream events: planned by the balancer, then done when the agent reports the move.
  const seen = s.events.filter((e) => e.type === 'migration' || e.state === 'migrating').slice(-20).reverse();
  const nodes = (v: unknown): string => (Array.isArray(v) ? v.join(', ') : '?');
  const rows = [
    ...planned.map((m) => h('li', {}, `planned: ${m.jobId} ${m.from ?? '?'} → ${m.to ?? '?'}${m.reason ? ` (${m.reason})` : ''}`)),
    ...seen.map((e) => h('li', { 'data-testid': 'migration' }, `${fmtTime(e.at)} · ${String(e.data?.phase ?? e.state ?? '')} · ${e.jobId ?? ''}${e.tenant ? ` (${e.tenant})` : ''}: ${nodes(e.data?.from)} → ${nodes(e.data?.to)}`,
      e.data?.reason ? h('span', { class: 'muted' }, ` — ${String(e.data.reason)}`) : null)),
  ];
  return h('div', {}, h('h2', {}, 'Migrations'), rows.length ? h('ul', {}, ...rows) : h('p', { class: 'muted' }, 'No migration planned or done since this page opened.'));
}
