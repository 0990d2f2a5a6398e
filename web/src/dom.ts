// A tiny hyperscript helper: the dashboard builds its DOM with this instead of a UI framework.
type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else if (k === 'class') el.className = String(v);
    else if (k === 'style') el.setAttribute('style', String(v));
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'number' ? String(c) : c);
  }
  return el;
}

export function pct(v: number, digits = 0): string {
  return `${(v * 100).toFixed(digits)}%`;
}

export function fmtDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  const hrs = Math.floor(s / 3600);
  return `${hrs}h ${Math.floor((s % 3600) / 60)}m`;
}

export function fmtTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString();
}

/** A horizontal bar: the filled part is `value` of `max`, optional markers (e.g. fair share, quota) on top. */
export function bar(value: number, max: number, opts: { label?: string; kind?: string; markers?: { at: number; kind: string; title: string }[]; testid?: string } = {}): HTMLElement {
  const frac = max > 0 ? Math.min(1, Math.max(0, value / max)) : 0;
  return h('div', { class: `bar ${opts.kind ?? ''}`, title: opts.label ?? '', 'data-testid': opts.testid },
    h('div', { class: 'fill', style: `width:${(frac * 100).toFixed(1)}%` }),
    ...(opts.markers ?? []).map((m) => h('div', { class: `marker ${m.kind}`, title: m.title, style: `left:${(Math.min(1, Math.max(0, max > 0 ? m.at / max : 0)) * 100).toFixed(1)}%` })),
    opts.label ? h('span', { class: 'bar-label' }, opts.label) : null,
  );
}
