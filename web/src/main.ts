// The Fairway dashboard: token entry, then four views (cluster, tenants, jobs, simulator reports) kept live from
// the coordinator's event stream, with a slow poll as a safety net for what the stream does not carry.
import './style.css';
import type { ClusterSummary, FairnessPoint } from './state.ts';
import type { AppState } from './state.ts';
import type { FairnessView, JobList, JobView, LogList, NodeView, TenantView } from '../../src/wire/schemas.ts';
import { Api, ApiError } from './api.ts';
import { h } from './dom.ts';
import { applyLine, emptyProgress, pollProgress } from './progress.ts';
import { clusterView } from './views/cluster.ts';
import { tenantsView } from './views/tenants.ts';
import { jobsView } from './views/jobs.ts';
import { simView } from './views/sim.ts';
import { parseSimFile, type SimSummary } from './sim-file.ts';

const TOKEN_KEY = 'fairway.token';
const TABS = ['cluster', 'tenants', 'jobs', 'simulator'] as const;
type Tab = (typeof TABS)[number];
const SLOW_POLL_MS = 3000;
const PROGRESS_POLL_MS = 1000;
const HISTORY_KEEP = 600;
const STATES = ['', 'pending', 'running', 'checkpointing', 'migrating', 'preempted', 'succeeded', 'failed', 'cancelled'];

const root = document.getElementById('app')!;
let state: AppState | null = null;
let abort: AbortController | null = null;
let timers: number[] = [];
let refreshQueued = 0;
let sim: { runs: SimSummary[]; name: string } | null = null;
/**
 * Running jobs whose logs were read since the event stream (re)connected: from then on the stream's `logs` events
 * carry their progress. Lines streamed for a job before its catch-up read finishes wait in `buffered`.
 */
const synced = new Set<string>();
const buffered = new Map<string, string[]>();
let renderQueued = 0;

function currentTab(): Tab {
  const t = location.hash.replace('#', '').split('/')[0] as Tab;
  return TABS.includes(t) ? t : 'cluster';
}

/** `#jobs/<id>` opens that job's detail panel. */
function openJobId(): string | null {
  const m = /^#jobs\/(.+)$/.exec(location.hash);
  return m ? decodeURIComponent(m[1]!) : null;
}

const DETAIL_LOG_LINES = 40;

async function loadDetail(s: AppState): Promise<void> {
  const id = openJobId();
  if (id === null) {
    s.detail = null;
    return;
  }
  const enc = encodeURIComponent(id);
  // The same job still open and the stream live: its new log lines arrive as `logs` events; re-read the rest only.
  const keepLogs = s.detail?.jobId === id && s.detail.job !== null && s.live === 'live';
  let job: JobView;
  try {
    job = await s.api.get<JobView>(`/v1/jobs/${enc}`);
  } catch (err) {
    // Another tenant's job, or one that does not exist: an answer to show, not a failure of the page.
    if (err instanceof ApiError && (err.status === 403 || err.status === 404)) {
      s.detail = { jobId: id, job: null, events: [], logs: [`${err.message} (${err.code})`] };
      return;
    }
    throw err;
  }
  const [events, logs] = await Promise.all([
    s.api.get<{ events: { seq: number; at: string; type: string; data: Record<string, unknown> }[] }>(`/v1/jobs/${enc}/events`),
    keepLogs ? null : s.api.get<LogList>(`/v1/jobs/${enc}/logs?limit=10000`),
  ]);
  const lines = logs ? logs.lines.slice(-DETAIL_LOG_LINES).map((l) => logText(l.stream, l.line)) : s.detail!.logs;
  s.detail = { jobId: id, job, events: events.events, logs: lines };
}

function logText(stream: string, line: string): string {
  return `${stream === 'stderr' ? '! ' : ''}${line}`;
}

/** A `logs` stream event: progress lines of a running job, and the open detail panel's last lines. */
function onLogs(s: AppState, jobId: string, lines: { stream: string; line: string }[]): void {
  const p = s.progress.get(jobId);
  if (p) {
    const out = lines.filter((l) => l.stream === 'stdout').map((l) => l.line);
    if (synced.has(jobId)) for (const l of out) applyLine(p, l);
    else buffered.set(jobId, [...(buffered.get(jobId) ?? []), ...out]);
  }
  if (s.detail?.jobId === jobId && s.detail.job) {
    s.detail.logs.push(...lines.map((l) => logText(l.stream, l.line)));
    if (s.detail.logs.length > DETAIL_LOG_LINES) s.detail.logs.splice(0, s.detail.logs.length - DETAIL_LOG_LINES);
  }
  if (currentTab() === 'jobs' && !renderQueued) renderQueued = window.setTimeout(() => { renderQueued = 0; render(); }, 100);
}

function showLogin(message?: string): void {
  stop();
  const input = h('input', { type: 'password', id: 'token', placeholder: 'admin or tenant token', autocomplete: 'off', size: 48 });
  const form = h('form', { class: 'login', 'data-testid': 'login' },
    h('h1', {}, 'Fairway'),
    h('p', {}, 'Paste an admin token to see the whole cluster, or a tenant token to see your own jobs.'),
    input, h('button', { type: 'submit' }, 'Open dashboard'),
    message ? h('p', { class: 'error', 'data-testid': 'login-error' }, message) : null,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void signIn(input.value.trim());
  });
  root.replaceChildren(form);
  input.focus();
}

async function signIn(token: string): Promise<void> {
  if (!token) return showLogin('A token is needed.');
  const api = new Api(token);
  try {
    const role = await api.role();
    sessionStorage.setItem(TOKEN_KEY, token);
    state = {
      api, role, nodes: [], tenants: [], fairness: null, history: [], cluster: null, jobs: [], pending: new Map(), progress: new Map(),
      events: [], live: 'connecting', error: null, filters: { tenant: '', state: '' }, lastRefresh: 0, detail: null,
    };
    buildShell();
    await refresh();
    startLive();
  } catch (err) {
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin(err instanceof ApiError ? `${err.message} (${err.code})` : `cannot reach the coordinator: ${(err as Error).message}`);
  }
}

function stop(): void {
  abort?.abort();
  abort = null;
  for (const t of timers) clearInterval(t);
  timers = [];
}

let content: HTMLElement;
let statusEl: HTMLElement;
let filterBar: HTMLElement;

function buildShell(): void {
  const s = state!;
  const nav = h('nav', {}, ...TABS.map((t) => h('a', { href: `#${t}`, 'data-tab': t }, t[0]!.toUpperCase() + t.slice(1))));
  statusEl = h('span', { class: 'live', 'data-testid': 'live' });
  const who = s.role.kind === 'admin' ? 'admin' : `tenant ${s.role.tenantId}`;
  const header = h('header', {},
    h('span', { class: 'brand' }, 'Fairway'), nav, h('span', { class: 'spacer' }),
    statusEl, h('span', { class: 'who', 'data-testid': 'who' }, who),
    h('button', { class: 'link', onclick: () => { sessionStorage.removeItem(TOKEN_KEY); state = null; showLogin(); } }, 'Sign out'));
  const tenantSel = h('select', { 'data-testid': 'filter-tenant', onchange: (e: Event) => { s.filters.tenant = (e.target as HTMLSelectElement).value; render(); } });
  const stateSel = h('select', { 'data-testid': 'filter-state', onchange: (e: Event) => { s.filters.state = (e.target as HTMLSelectElement).value; render(); } },
    ...STATES.map((v) => h('option', { value: v }, v || 'all states')));
  filterBar = h('div', { class: 'filters' }, h('label', {}, 'tenant ', tenantSel), h('label', {}, 'state ', stateSel));
  content = h('main', {});
  root.replaceChildren(header, filterBar, content);
  window.onhashchange = () => {
    render();
    if (openJobId() !== (state?.detail?.jobId ?? null)) void refresh();
  };
  render();
}

function syncTenantFilter(): void {
  const s = state!;
  const sel = filterBar.querySelector('select')!;
  const ids = s.role.kind === 'tenant' ? [s.role.tenantId] : [...new Set([...s.tenants.map((t) => t.id), ...s.jobs.map((j) => j.tenant)])].sort();
  const want = ['', ...ids].join('|');
  if (sel.dataset.options === want) return;
  sel.dataset.options = want;
  sel.replaceChildren(...['', ...ids].map((v) => h('option', { value: v, selected: v === s.filters.tenant }, v || 'all tenants')));
}

function render(): void {
  const s = state;
  if (!s) return;
  const tab = currentTab();
  root.querySelectorAll<HTMLAnchorElement>('nav a').forEach((a) => a.classList.toggle('active', a.dataset.tab === tab));
  statusEl.textContent = s.live === 'live' ? '● live' : s.live === 'connecting' ? '○ connecting' : '○ reconnecting';
  statusEl.className = `live ${s.live}`;
  statusEl.dataset.state = s.live;
  filterBar.hidden = tab !== 'jobs';
  syncTenantFilter();
  const error = s.error ? h('div', { class: 'error banner' }, s.error) : null;
  let view: HTMLElement;
  switch (tab) {
    case 'cluster': view = clusterView(s); break;
    case 'tenants': view = tenantsView(s); break;
    case 'jobs': view = jobsView(s); break;
    case 'simulator': view = simulatorTab(); break;
  }
  // The simulator tab holds a file input: re-rendering it on every live refresh would drop the chosen file.
  if (tab === 'simulator' && content.dataset.tab === 'simulator' && content.dataset.sim === (sim?.name ?? '')) return;
  content.dataset.tab = tab;
  content.dataset.sim = sim?.name ?? '';
  content.replaceChildren(...(error ? [error] : []), view);
}

function simulatorTab(): HTMLElement {
  const input = h('input', { type: 'file', accept: '.json,.jsonl,.ndjson,.txt', 'data-testid': 'sim-file' });
  const msg = h('p', { class: 'muted' }, 'Open the output of ', h('code', {}, 'fairway sim --json > result.jsonl'), ' to compare its policies side by side.');
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (!file) return;
    void file.text().then((text) => {
      try {
        sim = { runs: parseSimFile(text), name: file.name };
        render();
      } catch (err) {
        msg.replaceChildren(h('span', { class: 'error', 'data-testid': 'sim-error' }, `${file.name}: ${(err as Error).message}`));
      }
    });
  });
  return h('section', { 'data-testid': 'simulator' }, h('div', { class: 'filters' }, input), msg, sim ? simView(sim.runs, sim.name) : null);
}

let lastRefreshStart = 0;
let refreshing = false;

async function refresh(): Promise<void> {
  const s = state;
  if (!s) return;
  // One refresh at a time: a slow coordinator must not pile up overlapping ones.
  if (refreshing) return queueRefresh();
  refreshing = true;
  lastRefreshStart = Date.now();
  try {
    const [nodes, tenants, fairness, cluster, jobs] = await Promise.all([
      s.api.get<{ nodes: NodeView[] }>('/v1/nodes'),
      s.api.get<{ tenants: TenantView[] }>('/v1/tenants'),
      s.api.get<FairnessView>('/v1/fairness'),
      s.api.get<ClusterSummary>('/v1/cluster'),
      s.api.get<JobList>('/v1/jobs?limit=500'),
    ]);
    if (s.history.length === 0) {
      const hist = await s.api.get<{ points: { at: string; jainRaw: number; jainNormalised: number; utilisation: Record<string, number> }[] }>('/v1/fairness/history?limit=500');
      s.history = hist.points.map((p) => ({ tMs: Date.parse(p.at), jainRaw: p.jainRaw, jainNormalised: p.jainNormalised, utilisation: p.utilisation }));
    }
    s.nodes = nodes.nodes;
    s.tenants = tenants.tenants;
    s.fairness = fairness;
    s.cluster = cluster;
    s.jobs = jobs.jobs;
    const point: FairnessPoint = {
      // The page's own clock: the coordinator's `at` is its last cycle, which stands still while nothing changes.
      tMs: Date.now(), jainRaw: fairness.jainRaw, jainNormalised: fairness.jainNormalised, utilisation: fairness.utilisation,
      rho: Object.fromEntries(fairness.tenants.map((t) => [t.tenant, t.rho])),
    };
    const last = s.history[s.history.length - 1];
    if (!last || point.tMs > last.tMs) s.history.push(point);
    if (s.history.length > HISTORY_KEEP) s.history.splice(0, s.history.length - HISTORY_KEEP);
    // Pending jobs: the list has no why-waiting part, the single-job view has.
    const pendingIds = s.jobs.filter((j) => j.state === 'pending').slice(0, 50).map((j) => j.id);
    const details = await Promise.all(pendingIds.map((id) => s.api.get<JobView>(`/v1/jobs/${encodeURIComponent(id)}`).catch((err: unknown) => {
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    })));
    s.pending = new Map(details.filter((d): d is JobView => d !== null).map((d) => [d.id, d]));
    await loadDetail(s);
    s.error = null;
    s.lastRefresh = Date.now();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      refreshing = false;
      return showLogin('The token was refused (rotated or revoked?).');
    }
    s.error = `refresh failed: ${(err as Error).message}`;
  }
  refreshing = false;
  if (state === s) render();
}

function queueRefresh(): void {
  if (refreshQueued) return;
  // Events come in bursts (a cycle places many jobs): one refresh per burst, and at most one a second, so a busy
  // cluster does not turn the page into a load generator.
  const sinceMs = Date.now() - lastRefreshStart;
  refreshQueued = window.setTimeout(() => { refreshQueued = 0; void refresh(); }, Math.max(200, 1000 - sinceMs));
}

async function pollRunning(): Promise<void> {
  const s = state;
  if (!s) return;
  const running = s.jobs.filter((j) => j.state === 'running' || j.state === 'checkpointing' || j.state === 'migrating');
  for (const id of [...s.progress.keys()]) if (!running.some((j) => j.id === id)) s.progress.delete(id);
  for (const id of [...synced]) if (!s.progress.has(id)) synced.delete(id);
  if (running.length === 0) return;
  // While the stream is live it carries progress: read the logs only of jobs not caught up since it connected.
  // Otherwise poll them all (the stream is down; it catches up when it is back).
  const live = s.live === 'live';
  const todo = running.slice(0, 20).filter((j) => !live || !synced.has(j.id));
  if (todo.length === 0) return;
  try {
    await Promise.all(todo.map(async (j) => {
      let p = s.progress.get(j.id);
      if (!p) {
        p = emptyProgress();
        s.progress.set(j.id, p);
      }
      await pollProgress(s.api, j.id, p);
      if (!live || s.live !== 'live') return;
      synced.add(j.id);
      for (const l of buffered.get(j.id) ?? []) applyLine(p, l);
      buffered.delete(j.id);
    }));
  } catch (err) {
    s.error = `progress: ${(err as Error).message}`;
  }
  if (state === s && currentTab() === 'jobs') render();
}

function startLive(): void {
  const s = state!;
  abort = new AbortController();
  const signal = abort.signal;
  void (async () => {
    let backoffMs = 500;
    while (!signal.aborted) {
      try {
        s.live = 'connecting';
        const connected = s.api.stream((e) => {
          if (e.type === 'logs') {
            if (e.jobId && Array.isArray(e.data?.lines)) onLogs(s, e.jobId, e.data.lines as { stream: string; line: string }[]);
            return;
          }
          s.events.push(e);
          if (s.events.length > 200) s.events.splice(0, s.events.length - 200);
          queueRefresh();
        }, signal, () => {
          // Lines logged while the stream was down are read once more (applyLine keeps each line once).
          synced.clear();
          buffered.clear();
          s.live = 'live';
          render();
          void pollRunning();
        }, true);
        await connected;
        console.warn('fairway: event stream ended, reconnecting');
        backoffMs = 500;
      } catch (err) {
        if (signal.aborted) return;
        s.error = `event stream: ${(err as Error).message}`;
        console.warn('fairway: event stream failed, reconnecting', err);
      }
      if (signal.aborted) return;
      s.live = 'reconnecting';
      render();
      await new Promise((r) => setTimeout(r, backoffMs));
      backoffMs = Math.min(10_000, backoffMs * 2);
    }
  })();
  timers.push(window.setInterval(() => void refresh(), SLOW_POLL_MS));
  timers.push(window.setInterval(() => void pollRunning(), PROGRESS_POLL_MS));
}

const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) void signIn(saved);
else showLogin();
