// Queue and jobs: pending in priority order with why each waits and its estimated start; running with live
// progress, loss/accuracy curves and samples/s; finished with JCT. Filters by tenant and state sit above.
import type { JobView } from '../../../src/wire/schemas.ts';
import { fmtDuration, fmtTime, h } from '../dom.ts';
import { lineChart } from '../charts.ts';
import type { AppState } from '../state.ts';

const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

function res(j: JobView): string {
  const r = j.request;
  const parts = [r.cpuMilli ? `${r.cpuMilli / 1000} CPU` : '', r.gpuMilli ? `${r.gpuMilli / 1000} GPU` : '', r.memMiB ? `${r.memMiB} MiB` : ''].filter(Boolean);
  return parts.join(' · ') + (j.gangSize > 1 ? ` × ${j.gangSize}` : '');
}

export function filterJobs(s: AppState): JobView[] {
  return s.jobs.filter((j) => (s.filters.tenant === '' || j.tenant === s.filters.tenant) && (s.filters.state === '' || j.state === s.filters.state));
}

/** The job's name; a click opens its detail panel (events and the last log lines). */
function jobLink(j: JobView): HTMLElement {
  return h('a', { href: `#jobs/${encodeURIComponent(j.id)}`, class: 'job-link', 'data-open-job': j.id }, h('b', {}, j.name));
}

function detailPanel(s: AppState): HTMLElement | null {
  const d = s.detail;
  if (!d) return null;
  return h('div', { class: 'detail', 'data-testid': 'job-detail' },
    h('div', { class: 'job-head' }, h('b', {}, `${d.job?.name ?? d.jobId}`), h('span', { class: 'muted small' }, ` ${d.jobId}${d.job ? ` · ${d.job.tenant} · ${d.job.state}` : ''}`),
      h('a', { href: '#jobs', class: 'close' }, 'close')),
    d.job ? h('div', { class: 'small' }, h('code', {}, d.job.command.join(' ').slice(0, 300))) : null,
    d.job?.waiting ? h('div', { class: 'small', 'data-testid': 'detail-waiting' },
      `waiting: ${d.job.waiting.position}/${d.job.waiting.queueLength} in the queue · estimated start `,
      h('b', {}, d.job.waiting.estimatedStartAt ? fmtTime(d.job.waiting.estimatedStartAt) : 'none'),
      d.job.waiting.estimate ? h('span', { class: 'muted' }, ` — ${d.job.waiting.estimate.note}`) : null) : null,
    h('div', { class: 'detail-cols' },
      h('div', {}, h('div', { class: 'card-title' }, 'events'),
        h('ul', { class: 'small' }, ...d.events.map((e) => h('li', {}, `${fmtTime(e.at)} ${e.type}`, Object.keys(e.data).length ? h('span', { class: 'muted' }, ` ${JSON.stringify(e.data).slice(0, 200)}`) : null)))),
      h('div', {}, h('div', { class: 'card-title' }, 'last log lines'),
        h('pre', { class: 'logs' }, d.logs.length ? d.logs.join('\n') : '(no output yet)')),
    ),
  );
}

const BASIS: Record<string, string> = { reservation: 'nodes reserved', queue: 'from the queue' };

/** The estimated start and how it was made, or why there is none (the coordinator's words, views.ts startEstimate). */
function startCell(j: JobView): HTMLElement {
  const w = j.waiting;
  const e = w?.estimate;
  return h('td', { class: 'small eta', 'data-testid': `eta-${j.id}`, 'data-basis': e?.basis ?? '' },
    w?.estimatedStartAt ? h('b', {}, fmtTime(w.estimatedStartAt)) : h('span', {}, w ? 'no estimate' : '…'),
    e && e.basis !== 'none' ? h('span', { class: 'muted' }, ` (${BASIS[e.basis] ?? e.basis})`) : null,
    w?.reservation ? h('div', {}, `holds ${w.reservation.nodeIds.join(', ')}`) : null,
    e ? h('div', { class: 'muted' }, e.note) : null,
    w?.postponements ? h('div', { class: 'muted' }, `postponed ${w.postponements}×`) : null);
}

function pendingSection(s: AppState, jobs: JobView[]): HTMLElement {
  const pending = jobs.filter((j) => j.state === 'pending' || j.state === 'preempted').map((j) => s.pending.get(j.id) ?? j);
  pending.sort((a, b) => (a.waiting?.position ?? 1e9) - (b.waiting?.position ?? 1e9) || (a.id < b.id ? -1 : 1));
  const rows = pending.map((j) => {
    const w = j.waiting;
    const reasons = w?.reasons ?? [];
    return h('tr', { 'data-job': j.id, 'data-state': 'pending' },
      h('td', { class: 'num' }, w ? `${w.position}/${w.queueLength}` : '…'),
      h('td', {}, jobLink(j), h('div', { class: 'muted small' }, j.id)),
      h('td', {}, j.tenant),
      h('td', { class: 'small' }, res(j), h('div', { class: 'muted' }, j.priorityClass)),
      h('td', { class: 'reasons', 'data-testid': `why-${j.id}` },
        w?.neverFits ? h('div', { class: 'warn' }, 'never fits on any node as asked') : null,
        reasons.length
          ? h('ul', {}, ...reasons.map((r) => h('li', {}, h('code', {}, `${r.plugin}/${r.code}`), ' ', r.message, r.dimension ? h('span', { class: 'muted' }, ` [${r.dimension}]`) : null, r.nodes !== undefined ? h('span', { class: 'muted' }, ` on ${r.nodes} node(s)`) : null)))
          : h('span', { class: 'muted' }, w ? 'waiting for the next scheduling cycle' : 'loading…'),
        w?.priority ? h('div', { class: 'muted small' }, 'priority: ', Object.entries(w.priority).map(([k, v]) => `${k} ${Number(v).toFixed(2)}`).join(' · ')) : null,
      ),
      startCell(j),
    );
  });
  return h('div', {}, h('h2', {}, `Pending (${pending.length})`),
    pending.length ? h('table', { class: 'grid', 'data-testid': 'pending' },
      h('thead', {}, h('tr', {}, ...['#', 'job', 'tenant', 'asks', 'why waiting', 'est. start'].map((c) => h('th', {}, c)))), h('tbody', {}, ...rows))
      : h('p', { class: 'muted' }, 'Nothing waits.'));
}

function runningSection(s: AppState, jobs: JobView[]): HTMLElement {
  const running = jobs.filter((j) => j.state === 'running' || j.state === 'checkpointing' || j.state === 'migrating');
  const items = running.map((j) => {
    const p = s.progress.get(j.id);
    const frac = p && p.totalSteps > 0 ? Math.min(1, p.step / p.totalSteps) : 0;
    const curves = h('div', { class: 'chart small-chart' });
    if (p && p.steps.length > 1) {
      lineChart(curves, { title: 'loss / accuracy', width: 360, height: 140, x: p.steps, series: [{ label: 'loss', values: p.loss }, { label: 'accuracy', values: p.accuracy }] });
    }
    return h('div', { class: 'job-card', 'data-job': j.id, 'data-state': j.state },
      h('div', { class: 'job-head' }, jobLink(j), h('span', { class: 'muted small' }, ` ${j.id} · ${j.tenant} · ${res(j)} · on ${j.nodeIds.join(', ') || '—'}`), h('span', { class: `pill ${j.state}` }, j.state)),
      h('div', { class: 'progress' }, h('div', { class: 'fill', style: `width:${(frac * 100).toFixed(1)}%` })),
      h('div', { class: 'small', 'data-testid': `progress-${j.id}` },
        p && p.totalSteps > 0 ? `step ${p.step}/${p.totalSteps} (${(frac * 100).toFixed(0)}%) · epoch ${p.epoch + 1}` : (p?.phase ?? 'no progress reported'),
        p && p.samplesPerS > 0 ? ` · ${p.samplesPerS.toFixed(0)} samples/s` : '',
        p?.testAccuracy !== null && p?.testAccuracy !== undefined ? ` · test accuracy ${(p.testAccuracy * 100).toFixed(1)}%` : '',
        p && p.phase !== 'training' ? h('span', { class: 'muted' }, ` · ${p.phase}`) : null,
      ),
      curves,
    );
  });
  return h('div', {}, h('h2', {}, `Running (${running.length})`), running.length ? h('div', { class: 'job-cards', 'data-testid': 'running' }, ...items) : h('p', { class: 'muted' }, 'Nothing runs.'));
}

function finishedSection(jobs: JobView[]): HTMLElement {
  const done = jobs.filter((j) => FINISHED.has(j.state));
  const rows = done.map((j) => h('tr', { 'data-job': j.id, 'data-state': j.state },
    h('td', {}, jobLink(j), h('div', { class: 'muted small' }, j.id)),
    h('td', {}, j.tenant),
    h('td', {}, h('span', { class: `pill ${j.state}` }, j.state), j.exitCode !== null ? h('span', { class: 'muted small' }, ` exit ${j.exitCode}`) : null),
    // JCT as the API shows it: submission to the last state change (the finish).
    h('td', { class: 'num' }, fmtDuration(Date.parse(j.updatedAt) - Date.parse(j.submittedAt))),
    h('td', { class: 'small' }, fmtTime(j.updatedAt)),
  ));
  return h('div', {}, h('h2', {}, `Finished (${done.length})`),
    done.length ? h('table', { class: 'grid', 'data-testid': 'finished' }, h('thead', {}, h('tr', {}, ...['job', 'tenant', 'outcome', 'JCT', 'finished'].map((c) => h('th', {}, c)))), h('tbody', {}, ...rows))
      : h('p', { class: 'muted' }, 'Nothing finished yet.'));
}

export function jobsView(s: AppState): HTMLElement {
  const jobs = filterJobs(s);
  return h('section', { 'data-testid': 'jobs' }, detailPanel(s), pendingSection(s, jobs), runningSection(s, jobs), finishedSection(jobs));
}
