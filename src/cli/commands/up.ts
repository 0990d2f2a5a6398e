import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { InvalidInputError } from '../../core/util/errors.ts';
import { LocalCluster } from '../../agent/local-cluster.ts';
import { runWorkload, type LiveStatus, type RunMode, type RunSummary } from '../../agent/up-run.ts';
import { DEFAULT_WORKLOAD, loadWorkload, type Workload } from '../../agent/workload.ts';

interface UpOptions { agents: string; workload?: string; json?: boolean; baseline?: boolean; keep?: boolean; dataDir: string; port: string; timeoutS: string }

/** Per-tenant bars on a terminal; a status line every few seconds otherwise (CI logs, pipes). */
function liveView(out: NodeJS.WriteStream, tenants: readonly string[]): { tick: (s: LiveStatus) => void; stop: () => void } {
  if (out.isTTY) {
    const multi = new cliProgress.MultiBar({
      stream: out, clearOnComplete: false, hideCursor: true, format: ' {name} {bar} {percentage}% | {info}', barsize: 30, autopadding: true,
    }, cliProgress.Presets.shades_classic);
    const bars = new Map(tenants.map((t) => [t, multi.create(100, 0, { name: t.padEnd(10), info: '' })]));
    const status = multi.create(1, 0, { name: 'cluster'.padEnd(10), info: '' }, { format: ' {name} {info}' });
    return {
      tick: (s) => {
        for (const t of s.tenants) bars.get(t.tenant)?.update(Math.round(t.progress * 100), { info: `${t.done}/${t.jobs} done, ${t.running} running, ${t.pending} waiting` });
        status.update(0, { info: `${s.elapsedS.toFixed(0)} s · queue ${s.queue} · Jain (normalised) ${s.jainNormalised.toFixed(3)} · ${s.cpuCores.toFixed(2)} cores busy` });
      },
      stop: () => multi.stop(),
    };
  }
  let last = -Infinity;
  return {
    tick: (s) => {
      if (s.elapsedS - last < 5) return;
      last = s.elapsedS;
      const per = s.tenants.map((t) => `${t.tenant} ${Math.round(t.progress * 100)}% (${t.done}/${t.jobs})`).join(' · ');
      out.write(`  ${s.elapsedS.toFixed(0).padStart(4)} s  ${per} · queue ${s.queue} · Jain ${s.jainNormalised.toFixed(3)} · ${s.cpuCores.toFixed(2)} cores\n`);
    },
    stop: () => undefined,
  };
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

export function renderSummary(s: RunSummary): string {
  const out: string[] = [];
  out.push(`\n== ${s.mode}: ${s.succeeded}/${s.jobs} jobs succeeded, makespan ${s.makespanS} s, total training time ${s.totalTrainingS} s`);
  out.push(table([
    ['tenant', 'weight', 'tier', 'jobs', 'ok', 'mean JCT s', 'max JCT s'],
    ...s.tenants.map((t) => [t.tenant, String(t.weight), t.tier, String(t.jobs), String(t.succeeded), t.meanJctS.toFixed(1), t.maxJctS.toFixed(1)]),
  ]));
  out.push('');
  out.push(table([
    ['job', 'tenant', 'state', 'JCT s', 'start ms', 'samples/s', 'test acc', 'data', 'net MiB', 'node', 'deadline'],
    ...s.perJob.map((j) => [j.name, j.tenant, j.state, j.jctS?.toFixed(1) ?? '-', j.startLatencyMs?.toString() ?? '-', j.samplesPerS?.toFixed(0) ?? '-',
      j.testAccuracy?.toFixed(2) ?? '-', j.dataSource ?? '-', j.netMiB?.toFixed(1) ?? '-', j.nodeIds.join(','), j.deadlineMet === null ? '-' : j.deadlineMet ? 'met' : 'MISSED']),
  ]));
  out.push('');
  out.push(`Jain's index (fair-share normalised, time average) ${s.jainNormalised.toFixed(3)} · CPU utilisation ${pct(s.cpuUtil)} · memory utilisation ${pct(s.memUtil)} · migrations ${s.migrations} · preemptions/requeues ${s.preemptions}`);
  out.push(`submit → process start: p50 ${s.startLatencyMs.p50} ms, p99 ${s.startLatencyMs.p99} ms (submit → placed p50 ${s.placeLatencyMs.p50} / p99 ${s.placeLatencyMs.p99} ms, queueing included; placed → started p50 ${s.launchLatencyMs.p50} / p99 ${s.launchLatencyMs.p99} ms)`);
  out.push(`data: ${Object.entries(s.dataSources).map(([k, v]) => `${v} job(s) from ${k}`).join(', ')} — ${s.grid}`);
  return out.join('\n');
}

export function ratios(base: RunSummary, fw: RunSummary): Record<string, number> {
  const r = (a: number, b: number): number => (b === 0 ? 0 : Math.round((a / b) * 1000) / 1000);
  return {
    totalTrainingS: r(fw.totalTrainingS, base.totalTrainingS), makespanS: r(fw.makespanS, base.makespanS),
    cpuUtil: r(fw.cpuUtil, base.cpuUtil), memUtil: r(fw.memUtil, base.memUtil), jainNormalised: r(fw.jainNormalised, base.jainNormalised),
  };
}

export function renderComparison(base: RunSummary, fw: RunSummary): string {
  const q = ratios(base, fw);
  return `\n== traditional (FIFO, data read and decoded from disk every epoch) vs Fairway\n${table([
    ['', 'traditional', 'Fairway', 'Fairway / traditional'],
    ['total training time s', base.totalTrainingS.toFixed(1), fw.totalTrainingS.toFixed(1), q.totalTrainingS!.toFixed(3)],
    ['makespan s', base.makespanS.toFixed(1), fw.makespanS.toFixed(1), q.makespanS!.toFixed(3)],
    ['CPU utilisation', pct(base.cpuUtil), pct(fw.cpuUtil), q.cpuUtil!.toFixed(3)],
    ['memory utilisation', pct(base.memUtil), pct(fw.memUtil), q.memUtil!.toFixed(3)],
    ["Jain's index (normalised)", base.jainNormalised.toFixed(3), fw.jainNormalised.toFixed(3), q.jainNormalised!.toFixed(3)],
    ['submit→start p50 / p99 ms', `${base.startLatencyMs.p50} / ${base.startLatencyMs.p99}`, `${fw.startLatencyMs.p50} / ${fw.startLatencyMs.p99}`, ''],
    ['placed→start p50 / p99 ms', `${base.launchLatencyMs.p50} / ${base.launchLatencyMs.p99}`, `${fw.launchLatencyMs.p50} / ${fw.launchLatencyMs.p99}`, ''],
  ])}`;
}

/** The JSON summary's fields (issue 7), plus detail. */
function jsonOf(s: RunSummary): Record<string, unknown> {
  const { mode, jobs, succeeded, failed, totalTrainingS, makespanS, jainNormalised, cpuUtil, memUtil, migrations, ...rest } = s;
  return { mode, jobs, succeeded, failed, totalTrainingS, makespanS, jainNormalised, cpuUtil, memUtil, migrations, ...rest };
}

/** The largest prefix of each split the workload's example jobs read (undefined: some job reads it all). */
function datasetItems(w: Workload): { train?: number; test?: number } {
  const ex = w.jobs.filter((j) => j.example !== undefined);
  const most = (f: (j: Workload['jobs'][number]) => number | undefined): number | undefined => {
    const xs = ex.map(f);
    return xs.some((x) => x === undefined) ? undefined : Math.max(0, ...(xs as number[]));
  };
  const train = most((j) => j.trainLimit);
  const test = most((j) => j.testLimit);
  return { ...(train !== undefined ? { train } : {}), ...(test !== undefined ? { test } : {}) };
}

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('start a whole cluster on this machine (coordinator, grid, agents), run a multi-tenant training workload live, and summarise it')
    .option('--agents <n>', 'agents (real processes) to start', '2')
    .option('--workload <file>', 'workload YAML/JSON (default: examples/workloads/default.yaml)')
    .option('--baseline', 'first run the same workload "traditionally" (FIFO, data read and decoded from disk every epoch, no grid), then Fairway, and compare')
    .option('--json', 'print a JSON summary as the last line of stdout (progress goes to stderr)')
    .option('--keep', 'leave the cluster running after the workload (Ctrl-C to stop)')
    .option('--data-dir <dir>', 'where state, checkpoints and the grid live', '.fairway')
    .option('--port <port>', 'coordinator port (0: any free one)', '0')
    .option('--timeout-s <s>', 'cancel jobs still unfinished after this long', '900')
    .action(async (o: UpOptions) => {
      const agents = Number(o.agents);
      if (!Number.isInteger(agents) || agents < 1 || agents > 64) throw new InvalidInputError(`--agents must be 1-64, got ${o.agents}`, { field: 'agents' });
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidInputError(`--port must be 0-65535, got ${o.port}`, { field: 'port' });
      const timeoutS = Number(o.timeoutS);
      if (!(timeoutS > 0)) throw new InvalidInputError(`--timeout-s must be > 0, got ${o.timeoutS}`, { field: 'timeoutS' });
      const workload = loadWorkload(o.workload ?? DEFAULT_WORKLOAD);
      const out = o.json ? process.stderr : process.stdout;
      const say = (line: string): void => { out.write(`${line}\n`); };
      const modes: RunMode[] = o.baseline ? ['baseline', 'fairway'] : ['fairway'];
      const summaries: RunSummary[] = [];
      let current: LocalCluster | undefined;
      let interrupted = false;
      const onSignal = (): void => {
        interrupted = true;
        say('\ninterrupted: stopping agents, jobs, grid and coordinator…');
        void (current?.close() ?? Promise.resolve()).finally(() => process.exit(130));
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const report = (): void => {
        if (summaries.length === 2) say(renderComparison(summaries[0]!, summaries[1]!));
        if (o.json) {
          const obj = summaries.length === 2
            ? { runs: summaries.map(jsonOf), ratios: ratios(summaries[0]!, summaries[1]!) }
            : jsonOf(summaries[0]!);
          process.stdout.write(`${JSON.stringify(obj)}\n`);
        }
      };
      try {
        for (const mode of modes) {
          const last = mode === modes.at(-1);
          const dataDir = resolve(join(o.dataDir, `up-${mode}`));
          rmSync(dataDir, { recursive: true, force: true });
          say(`\n== ${mode === 'baseline' ? 'traditional baseline (FIFO, data read and decoded from disk every epoch)' : 'Fairway'}: workload '${workload.name}', ${workload.jobs.length} jobs from ${workload.tenants.length} tenants on ${agents} agent(s)`);
          const cluster = new LocalCluster({ dataDir, datasetItems: datasetItems(workload), agents, grid: mode === 'fairway', ...(mode === 'baseline' ? { profile: 'fifo' } : {}), port: last ? port : 0, log: (l) => say(`  ${l}`) });
          current = cluster;
          let keepRunning = false;
          try {
            await cluster.start();
            say(`  API ${cluster.url}/v1 (OpenAPI: ${cluster.url}/openapi.json)`);
            const view = liveView(out, workload.tenants.map((t) => t.id));
            let s: RunSummary;
            try {
              s = await runWorkload(cluster, workload, { mode, onTick: view.tick, log: (l) => say(`  ${l}`), timeoutS });
            } finally {
              view.stop();
            }
            summaries.push(s);
            say(renderSummary(s));
            if (last) report();
            if (o.keep && last) {
              keepRunning = true;
              say(`\ncluster left running (--keep): API ${cluster.url}/v1, admin token ${cluster.adminToken}. Ctrl-C stops it.`);
            }
          } finally {
            if (!keepRunning && !interrupted) await cluster.close();
          }
          // --keep: the signal handler closes the cluster and exits.
          if (keepRunning) await new Promise<void>(() => undefined);
        }
      } finally {
        if (!o.keep) {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      }
      if (summaries.some((s) => s.failed > 0)) process.exitCode = 1;
    });
}
