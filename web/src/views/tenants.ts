// Tenants: share vs fair share vs quota (dominant resource), Jain's index raw and normalised and ρ over time.
import type { ResourcesWire } from '../../../src/wire/schemas.ts';
import { bar, h, pct } from '../dom.ts';
import { lineChart } from '../charts.ts';
import type { AppState } from '../state.ts';
import { dominantShare } from '../measures.ts';

/** ρ is capped by the core for tenants with no share yet; show that as "≥ cap" rather than a made-up number. */
function fmtRho(rho: number): string {
  return rho >= 100 ? '≥100' : rho.toFixed(2);
}

export function tenantsView(s: AppState): HTMLElement {
  const total = s.nodes.filter((n) => n.status !== 'down').reduce<ResourcesWire>(
    (a, n) => ({ cpuMilli: a.cpuMilli + n.capacity.cpuMilli, gpuMilli: a.gpuMilli + n.capacity.gpuMilli, memMiB: a.memMiB + n.capacity.memMiB, netMbps: a.netMbps + n.capacity.netMbps }),
    { cpuMilli: 0, gpuMilli: 0, memMiB: 0, netMbps: 0 });
  const f = s.fairness;
  const byId = new Map((f?.tenants ?? []).map((t) => [t.tenant, t]));
  // A tenant token lists only its own tenant; the fairness numbers of the others stay out of its view.
  const ids = s.role.kind === 'tenant' ? [s.role.tenantId] : [...new Set([...s.tenants.map((t) => t.id), ...byId.keys()])].sort();
  // The coordinator sends a tenant token its own row only (and Jain's index over all): say how many share the cluster.
  const others = s.role.kind === 'tenant' && f?.tenantCount !== undefined ? f.tenantCount - 1 : 0;
  const scaleMax = Math.max(0.05, ...ids.map((id) => {
    const fr = byId.get(id);
    const t = s.tenants.find((x) => x.id === id);
    return Math.max(fr?.share ?? 0, fr?.fairShare ?? 0, dominantShare(t?.quota, total));
  }));
  const grid = new Map((f?.grid?.tenants ?? []).map((g) => [g.tenant, g]));
  const gridCell = (id: string): HTMLElement => {
    if (!f?.grid) return h('td', { class: 'num muted', title: 'this coordinator reports no grid usage' }, '—');
    const g = grid.get(id);
    if (!g) return h('td', { class: 'num muted', 'data-testid': `grid-${id}`, title: 'the grid has not been read yet' }, '…');
    const title = `${g.bytes.toLocaleString()} bytes in ${g.keys} key(s) of the ${f.grid.kind} grid${g.evictions ? `, ${g.evictions} evicted` : ''}`;
    return h('td', { class: 'num', 'data-testid': `grid-${id}`, 'data-bytes': g.bytes, title },
      String(g.memMiB), h('div', { class: 'muted small' }, `${g.keys} key${g.keys === 1 ? '' : 's'}${g.hitRatio !== null ? ` · ${pct(g.hitRatio)} hits` : ''}`));
  };
  const rows = ids.map((id) => {
    const fr = byId.get(id);
    const t = s.tenants.find((x) => x.id === id);
    const quota = dominantShare(t?.quota, total);
    return h('tr', { 'data-tenant': id },
      h('td', {}, h('b', {}, id), t ? h('div', { class: 'muted small' }, `${t.tier} · weight ${t.weight}`) : null),
      h('td', { class: 'wide' }, bar(fr?.share ?? 0, scaleMax, {
        kind: 'share', label: `share ${pct(fr?.share ?? 0, 1)}`,
        markers: [
          { at: fr?.fairShare ?? 0, kind: 'fair', title: `fair share ${pct(fr?.fairShare ?? 0, 1)}` },
          ...(quota > 0 ? [{ at: quota, kind: 'quota', title: `quota ${pct(quota, 1)}` }] : []),
        ],
      })),
      h('td', { class: 'num' }, pct(fr?.share ?? 0, 1)),
      h('td', { class: 'num' }, pct(fr?.fairShare ?? 0, 1)),
      h('td', { class: 'num' }, quota > 0 ? pct(quota, 1) : '—'),
      h('td', { class: 'num', title: 'fair share ÷ share (capped); above 1 means under-served' }, fr ? fmtRho(fr.rho) : '—'),
      h('td', { class: 'num' }, String(fr?.running ?? 0)),
      h('td', { class: 'num' }, String(fr?.pending ?? 0)),
      gridCell(id),
    );
  });
  const table = h('table', { class: 'grid', 'data-testid': 'tenants' },
    h('thead', {}, h('tr', {}, ...['tenant', 'share (dominant resource)', 'share', 'fair share', 'quota', 'ρ', 'running', 'pending', 'grid MiB'].map((c) => h('th', {}, c)))),
    h('tbody', {}, ...rows));

  const jain = h('div', { class: 'chart' });
  const rho = h('div', { class: 'chart' });
  const pts = s.history;
  if (pts.length > 1) {
    const x = pts.map((p) => p.tMs / 1000);
    lineChart(jain, { title: "Jain's index", time: true, x, yRange: [0, 1.05], series: [{ label: 'raw', values: pts.map((p) => p.jainRaw) }, { label: 'normalised to fair share', values: pts.map((p) => p.jainNormalised) }] });
    const withRho = pts.filter((p) => p.rho);
    if (withRho.length > 1) {
      lineChart(rho, { title: 'ρ per tenant (fair share ÷ share; >1 = under-served; axis cut at 5)', time: true, x: withRho.map((p) => p.tMs / 1000), yRange: [0, 5], series: ids.map((id) => ({ label: id, values: withRho.map((p) => (p.rho?.[id] === undefined ? null : Math.min(5, p.rho[id]!))) })) });
    }
  } else jain.append(h('p', { class: 'muted' }, 'Fairness over time appears after a few samples.'));

  return h('section', {},
    s.role.kind === 'tenant' ? h('p', { class: 'muted', 'data-testid': 'tenant-scope' }, `Signed in as tenant ${s.role.tenantId}: only your own tenant is listed${others > 0 ? ` (${others} other tenant${others === 1 ? '' : 's'} share the cluster; Jain's index covers all)` : ''}.`) : null,
    h('div', { class: 'cards' },
      h('div', { class: 'card' }, h('div', { class: 'card-title' }, "Jain's index (raw)"), h('div', { class: 'card-value', 'data-testid': 'jain-raw' }, f ? f.jainRaw.toFixed(3) : '—')),
      h('div', { class: 'card' }, h('div', { class: 'card-title' }, "Jain's index (normalised)"), h('div', { class: 'card-value' }, f ? f.jainNormalised.toFixed(3) : '—')),
      h('div', { class: 'card' }, h('div', { class: 'card-title' }, 'Tenants'), h('div', { class: 'card-value' }, String(ids.length))),
    ),
    h('h2', {}, 'Share vs fair share vs quota'),
    table,
    h('p', { class: 'legend small' }, h('span', { class: 'swatch share' }), ' current dominant share ', h('span', { class: 'swatch fair' }), ' fair share ', h('span', { class: 'swatch quota' }), ' quota (guaranteed)'),
    h('div', { class: 'chart-row' }, jain, rho.childElementCount ? rho : null),
  );
}
