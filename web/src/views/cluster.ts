// Cluster: nodes with allocated vs measured use per resource, utilisation over time, load forecasts and migrations.
import type { MigrationView, NodeForecast, NodeView, ResourcesWire } from '../../../src/wire/schemas.ts';
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

function forecastChart(fc: NodeForecast): HTMLElement {
  const host = h('div', { class: 'chart', 'data-testid': `forecast-${fc.nodeId}-${fc.dimension}`, 'data-model': fc.model, 'data-source': fc.source });
  // Past (observed) then future (forecast): the mean starts at the last observation so the two lines join.
  const past = fc.observed;
  const x = [...past.map((o) => Date.parse(o.at) / 1000), ...fc.points.map((p) => Date.parse(p.at) / 1000)];
  const pad = (n: number): null[] => new Array<null>(n).fill(null);
  const last = past[past.length - 1]?.value ?? null;
  const observed = [...past.map((o) => o.value), ...pad(fc.points.length)];
  const mean = [...pad(Math.max(0, past.length - 1)), ...(past.length ? [last] : []), ...fc.points.map((p) => p.mean)];
  // Loads are fractions of capacity: a band below 0 means nothing more than 0.
  const lo = [...pad(Math.max(0, past.length - 1)), ...(past.length ? [last] : []), ...fc.points.map((p) => Math.max(0, p.lo))];
  const hi = [...pad(Math.max(0, past.length - 1)), ...(past.length ? [last] : []), ...fc.points.map((p) => p.hi)];
  host.dataset.band = String(fc.points.filter((p) => p.hi > p.lo).length);
  const top = Math.max(1, ...fc.points.map((p) => p.hi), ...past.map((o) => o.value));
  lineChart(host, {
    title: `${fc.nodeId} · ${dimName(fc.dimension)}${fc.source === 'balancer' ? ' (balancer)' : ''}`,
    time: true, width: 420, height: 170, x, yRange: [0, Math.min(2, top)],
    series: [
      { label: 'observed', values: observed, colour: '#111827' },
      { label: 'forecast', values: mean, colour: '#2563eb' },
      { label: `−${fc.z}σ`, values: lo, dash: true, colour: '#93c5fd' },
      { label: `+${fc.z}σ`, values: hi, dash: true, colour: '#93c5fd' },
    ],
    band: { hi: 3, lo: 2 },
  });
  host.append(h('div', { class: 'muted small' }, `load as a share of capacity · ${fc.model}`));
  return host;
}

function forecastSection(s: AppState): HTMLElement {
  const f = s.cluster?.forecasts ?? [];
  const title = h('h2', {}, 'Load forecast');
  if (f.length === 0) {
    return h('div', {}, title, h('p', { class: 'muted', 'data-testid': 'forecast-none' }, s.cluster?.forecastNote ?? 'No load forecast yet.'));
  }
  const step = f[0]!.stepMs >= 1000 ? `${Number((f[0]!.stepMs / 1000).toFixed(1))} s` : `${f[0]!.stepMs} ms`;
  return h('div', {}, title,
    h('p', { class: 'muted small' }, `Measured load and its forecast ${f[0]!.horizonSteps} steps of ${step} ahead, shaded: the prediction band (mean ± ${f[0]!.z} standard errors). ARIMA(1,0,1) after a node's first 30–59 observations, the naive forecast before.`),
    h('div', { class: 'chart-row', 'data-testid': 'forecasts' }, ...f.map(forecastChart)));
}

function migrationRow(m: MigrationView): HTMLElement {
  return h('li', { 'data-testid': 'migration', 'data-phase': m.phase },
    `${fmtTime(m.at)} · ${m.phase} · ${m.jobId}${m.tenant ? ` (${m.tenant})` : ''}: ${m.from.join(', ') || '?'} → ${m.to.join(', ') || '?'}`,
    m.reason ? h('span', { class: 'muted' }, ` — ${m.reason}`) : null);
}

function migrationSection(s: AppState): HTMLElement {
  const m = s.cluster?.migrations;
  const title = h('h2', {}, 'Migrations');
  if (!m) return h('div', {}, title);
  return h('div', { 'data-testid': 'migrations' }, title,
    m.planned.length ? h('div', {}, h('div', { class: 'card-title' }, 'under way'), h('ul', {}, ...m.planned.map(migrationRow))) : null,
    m.recent.length ? h('div', {}, h('div', { class: 'card-title' }, 'recent'), h('ul', {}, ...m.recent.slice(0, 20).map(migrationRow)))
      : h('p', { class: 'muted' }, m.balancer ? 'The load balancer has not moved any job yet.' : 'The predictive load balancer is off on this coordinator: no job is moved.'));
}
