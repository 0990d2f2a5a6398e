// Results of a simulation as a summary object (the `--json` line), a terminal table, and a Markdown report with
// SVG charts: JCT CDF per policy, GPU utilisation over time, Jain's index over time, per-tenant share vs fair share.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunMetrics } from './metrics.ts';
import type { SimResult } from './simulator.ts';
import { barChart, lineChart, type Series } from './svg-chart.ts';

/** One policy's row: the run's metrics plus which policy and cluster produced them. */
export interface Summary extends RunMetrics {
  readonly policy: string;
  readonly cluster: string;
}

const r3 = (v: number): number => Math.round(v * 1000) / 1000;
const r1 = (v: number): number => Math.round(v * 10) / 10;

export function summarise(r: SimResult): Summary {
  const m = r.metrics;
  return {
    policy: r.policy, cluster: r.cluster, jobs: m.jobs, unfinished: m.unfinished,
    avgJctS: r1(m.avgJctS), medianJctS: r1(m.medianJctS), p95JctS: r1(m.p95JctS),
    avgWaitS: r1(m.avgWaitS), medianWaitS: r1(m.medianWaitS), p95WaitS: r1(m.p95WaitS), maxWaitS: r1(m.maxWaitS),
    makespanS: r1(m.makespanS),
    gpuUtil: r3(m.gpuUtil), cpuUtil: r3(m.cpuUtil), memUtil: r3(m.memUtil),
    gpuUsedUtil: r3(m.gpuUsedUtil), cpuUsedUtil: r3(m.cpuUsedUtil), memUsedUtil: r3(m.memUsedUtil),
    jainRaw: r3(m.jainRaw), jainNormalised: r3(m.jainNormalised), rhoMax: r3(m.rhoMax),
    preemptions: m.preemptions, migrations: m.migrations, migrationsPerH: r3(m.migrationsPerH), overloadedNodeH: r1(m.overloadedNodeH), deadlineMisses: m.deadlineMisses,
    tenants: m.tenants.map((t) => ({ ...t, avgJctS: r1(t.avgJctS), slowdown: r3(t.slowdown), rho: r3(t.rho), gpuTimeShare: r3(t.gpuTimeShare), fairShare: r3(t.fairShare) })),
  };
}

const COLUMNS: ReadonlyArray<readonly [string, (s: Summary) => string]> = [
  ['policy', (s) => s.policy],
  ['jobs', (s) => String(s.jobs) + (s.unfinished ? `+${s.unfinished}!` : '')],
  ['avg JCT h', (s) => (s.avgJctS / 3600).toFixed(2)],
  ['med JCT h', (s) => (s.medianJctS / 3600).toFixed(2)],
  ['p95 JCT h', (s) => (s.p95JctS / 3600).toFixed(2)],
  ['avg wait h', (s) => (s.avgWaitS / 3600).toFixed(2)],
  ['p95 wait h', (s) => (s.p95WaitS / 3600).toFixed(2)],
  ['max wait h', (s) => (s.maxWaitS / 3600).toFixed(1)],
  ['makespan h', (s) => (s.makespanS / 3600).toFixed(1)],
  ['GPU alloc', (s) => `${(s.gpuUtil * 100).toFixed(1)}%`],
  ['CPU used', (s) => `${(s.cpuUsedUtil * 100).toFixed(1)}%`],
  ['mem used', (s) => `${(s.memUsedUtil * 100).toFixed(1)}%`],
  ['Jain raw', (s) => s.jainRaw.toFixed(3)],
  ['Jain norm', (s) => s.jainNormalised.toFixed(3)],
  ['ρ max', (s) => s.rhoMax.toFixed(2)],
  ['preempt', (s) => String(s.preemptions)],
  ['migr/h', (s) => s.migrationsPerH.toFixed(2)],
  ['overload node-h', (s) => s.overloadedNodeH.toFixed(1)],
  ['ddl miss', (s) => String(s.deadlineMisses)],
];

/** A plain-text comparison table for the terminal. */
export function table(summaries: readonly Summary[]): string {
  const rows = [COLUMNS.map(([h]) => h), ...summaries.map((s) => COLUMNS.map(([, f]) => f(s)))];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r, ri) => {
    const line = r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
    return ri === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
  }).join('\n');
}

function markdownTable(summaries: readonly Summary[]): string {
  const head = `| ${COLUMNS.map(([h]) => h).join(' | ')} |\n|${COLUMNS.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`;
  return [head, ...summaries.map((s) => `| ${COLUMNS.map(([, f]) => f(s)).join(' | ')} |`)].join('\n');
}

function thin<T>(xs: readonly T[], max: number): T[] {
  if (xs.length <= max) return [...xs];
  const step = xs.length / max;
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(xs[Math.floor(i * step)] as T);
  out.push(xs[xs.length - 1] as T);
  return out;
}

export interface ReportContext {
  readonly title: string;
  readonly command: string;
  readonly notes?: readonly string[];
}

/** Writes `report.md` and its SVG charts into `dir`; returns the report's path. */
export function writeReport(dir: string, results: readonly SimResult[], ctx: ReportContext): string {
  mkdirSync(dir, { recursive: true });
  const summaries = results.map(summarise);
  const hours = (ms: number): number => ms / 3_600_000;

  const cdf: Series[] = results.map((r) => {
    const n = r.jctSortedS.length;
    const idx = thin(Array.from({ length: n }, (_, i) => i), 400);
    return { name: r.policy, points: idx.map((i) => [Math.max(1, r.jctSortedS[i] ?? 1), (i + 1) / n] as const) };
  });
  writeFileSync(join(dir, 'jct-cdf.svg'), lineChart(cdf, { title: 'Job completion time, CDF', xLabel: 'JCT (s)', yLabel: 'fraction of jobs', yMin: 0, yMax: 1, logX: true, step: true }));

  const util: Series[] = results.map((r) => ({ name: r.policy, points: thin(r.series, 500).map((p) => [hours(p.tMs), p.gpuAlloc * 100] as const) }));
  writeFileSync(join(dir, 'gpu-utilisation.svg'), lineChart(util, { title: 'GPU allocation over time', xLabel: 'time (h)', yLabel: 'GPUs allocated (%)', yMin: 0, yMax: 100 }));
  const usedCpu: Series[] = results.map((r) => ({ name: r.policy, points: thin(r.series, 500).map((p) => [hours(p.tMs), p.cpuUsed * 100] as const) }));
  writeFileSync(join(dir, 'cpu-used.svg'), lineChart(usedCpu, { title: 'CPU in use over time', xLabel: 'time (h)', yLabel: 'CPU used (%)', yMin: 0, yMax: 100 }));

  const jainS: Series[] = results.map((r) => ({ name: r.policy, points: thin(r.series.filter((p) => p.activeTenants >= 2), 500).map((p) => [hours(p.tMs), p.jainNormalised] as const) }));
  writeFileSync(join(dir, 'jain.svg'), lineChart(jainS, { title: "Jain's index (fair-share-normalised) over time", xLabel: 'time (h)', yLabel: 'Jain index', yMin: 0, yMax: 1 }));

  const tenants = [...new Set(summaries.flatMap((s) => s.tenants.map((t) => t.tenant)))].sort();
  const groups = tenants.map((t) => ({
    label: t,
    values: [
      ...summaries.map((s) => (s.tenants.find((x) => x.tenant === t)?.gpuTimeShare ?? 0) * 100),
      (summaries[0]?.tenants.find((x) => x.tenant === t)?.fairShare ?? 0) * 100,
    ],
  }));
  writeFileSync(join(dir, 'tenant-share.svg'), barChart(groups, [...summaries.map((s) => s.policy), 'entitlement'], { title: 'Share of GPU-time per tenant vs entitlement', yLabel: 'share of GPU-time (%)' }));

  const tenantRows = summaries.flatMap((s) => s.tenants.map((t) => `| ${s.policy} | ${t.tenant} | ${t.weight} | ${t.jobs} | ${(t.avgJctS / 3600).toFixed(2)} | ${t.slowdown.toFixed(2)} | ${t.rho.toFixed(2)} | ${(t.gpuTimeShare * 100).toFixed(1)}% | ${(t.fairShare * 100).toFixed(1)}% |`));
  const md = [
    `# ${ctx.title}`,
    '',
    `Reproduce: \`${ctx.command}\``,
    '',
    ...(ctx.notes ?? []).map((n) => `- ${n}`),
    '',
    '## Comparison',
    '',
    markdownTable(summaries),
    '',
    'JCT = finish − submit; wait = first start − submit; utilisation is time-weighted from the first arrival to the last finish',
    '("alloc" = held by jobs, "used" = the execution model\'s mean use of what is held). Jain is averaged over samples',
    'with at least two tenants waiting or running; "norm" divides each tenant\'s dominant share by its weighted,',
    'demand-capped fair share. ρ = Σ JCT ÷ Σ run time on the tenant\'s weighted slice of the cluster (Themis), per tenant; ρ max is the worst tenant.',
    '',
    '![JCT CDF](jct-cdf.svg)',
    '',
    '![GPU allocation](gpu-utilisation.svg)',
    '',
    '![CPU used](cpu-used.svg)',
    '',
    '![Jain over time](jain.svg)',
    '',
    '![Tenant share](tenant-share.svg)',
    '',
    '## Per tenant',
    '',
    '| policy | tenant | weight | jobs | avg JCT h | slowdown | ρ | GPU-time share | entitlement |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...tenantRows,
    '',
  ].join('\n');
  const path = join(dir, 'report.md');
  writeFileSync(path, md);
  return path;
}
