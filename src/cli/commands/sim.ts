// `fairway sim`: replay a trace (or the seed paper's synthetic scenario) through the scheduler under several
// policies and compare them. With no --trace it replays a bundled one-day Philly sample on a small cluster, so
// `npx fairway sim` works out of the box.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Option, type Command } from 'commander';
import cliProgress from 'cli-progress';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { InvalidInputError } from '../../core/util/errors.ts';
import { MemoryDecisionLog } from '../../runtime/memory-decision-log.ts';
import { sharedPath } from '../../paths.ts';
import { clusterFromPreset, loadClusterFile, presetForTrace, PRESETS, uniformCluster, type ClusterSpec } from '../../sim/cluster-spec.ts';
import { DEFAULT_MODEL, type ExecutionModel } from '../../sim/execution-model.ts';
import { policyNames, resolvePolicy } from '../../sim/policies.ts';
import { summarise, table, writeReport } from '../../sim/report.ts';
import { fromArray, runSimulation, type SimResult } from '../../sim/simulator.ts';
import { generateSynthetic, PAPER_SCENARIO } from '../../sim/synthetic.ts';
import { defaultWeightsFor, readWeights } from '../../sim/tenant-weights.ts';
import { loadGenAiReplay } from '../../sim/telemetry-replay.ts';
import type { MalformedReport } from '../../sim/trace-reader.ts';
import { traceSource, type JobSource } from '../../sim/workload.ts';

export const DEFAULT_TRACE = ['traces', 'philly', 'philly_2017_tiny_2017-11-08_5vc.csv'] as const;
const DEFAULT_POLICIES = 'fifo,fifo-greedy,drf,fair-share,tiresias,fairway';
const PAPER_POLICIES = 'fifo,fifo+grid,fairway,fairway+grid';

const ModelFile = z.object({
  dataLoadFraction: z.object({ light: z.number().min(0).max(1), heavy: z.number().min(0).max(1) }).partial().optional(),
  gridSpeedup: z.number().min(1).max(1000).optional(),
  interferencePerNeighbour: z.number().min(0).max(10).optional(),
  checkpointMiBPerGpu: z.number().min(0).optional(),
  checkpointMiBps: z.number().positive().optional(),
  restartOverheadMs: z.number().int().min(0).optional(),
  telemetryNoise: z.number().min(0).max(1).optional(),
}).strict();

interface SimCliOptions {
  trace?: string;
  cluster?: string;
  nodes?: string;
  gpusPerNode?: string;
  policy?: string;
  scenario?: string;
  seed: string;
  json?: boolean;
  series?: boolean;
  report?: string;
  onMalformed: 'skip' | 'fail';
  model?: string;
  weights?: string;
  telemetry: boolean;
  telemetryReplay?: boolean;
  decisionLog?: string;
  nodeFailures?: string;
  jobsPerHour?: string;
  hours?: string;
  tenants?: string;
  heavyShare?: string;
  skew?: string;
  interference?: string;
}

/** What the dashboard charts per policy: time series (≤ 300 points) and JCT quantiles (101 points, 0..100%). */
function chartData(r: SimResult): { series: SimResult['series']; jctQuantilesS: number[] } {
  const step = Math.max(1, Math.ceil(r.series.length / 300));
  const series = r.series.filter((_p, i) => i % step === 0 || i === r.series.length - 1);
  const jct = r.jctSortedS;
  const jctQuantilesS = jct.length === 0 ? [] : Array.from({ length: 101 }, (_x, q) => jct[Math.min(jct.length - 1, Math.floor((q / 100) * (jct.length - 1)))]!);
  return { series, jctQuantilesS };
}

function int(v: string | undefined, what: string, min = 0): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidInputError(`--${what} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`, { field: what });
  return n;
}

function num(v: string | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidInputError(`--${what} must be a non-negative number, got ${JSON.stringify(v)}`, { field: what });
  return n;
}

function loadModel(path: string | undefined, base: ExecutionModel): ExecutionModel {
  if (!path) return base;
  const text = readFileSync(path, 'utf8');
  const parsed = ModelFile.safeParse(path.endsWith('.json') ? JSON.parse(text) : parseYaml(text));
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new InvalidInputError(`${path}: ${i ? `${i.path.join('.')}: ${i.message}` : 'invalid model'}`, { field: 'model' });
  }
  const m = parsed.data;
  return { ...base, ...m, dataLoadFraction: { ...base.dataLoadFraction, ...m.dataLoadFraction } } as ExecutionModel;
}

/** `--node-failures n03@12+4,n07@30+1`: node n03 is lost 12 h into the run and back 4 h later, and so on. */
export function parseFailures(spec: string | undefined, cluster: ClusterSpec): Array<{ nodeId: string; atMs: number; downMs: number }> {
  if (!spec) return [];
  const known = new Set(cluster.nodes.map((n) => n.id));
  return spec.split(',').map((item) => {
    const m = /^([a-z0-9._-]+)@(\d+(?:\.\d+)?)\+(\d+(?:\.\d+)?)$/i.exec(item.trim());
    if (!m) throw new InvalidInputError(`--node-failures: expected NODE@START_H+DOWN_H, got ${JSON.stringify(item)}`, { field: 'node-failures' });
    const [, nodeId = '', at = '0', down = '0'] = m;
    if (!known.has(nodeId)) throw new InvalidInputError(`--node-failures: unknown node '${nodeId}' (nodes are ${cluster.nodes[0]?.id ?? ''}…)`, { field: 'node-failures' });
    return { nodeId, atMs: Math.round(Number(at) * 3_600_000), downMs: Math.round(Number(down) * 3_600_000) };
  });
}

function traceRows(path: string): number | undefined {
  try {
    const manifest = JSON.parse(readFileSync(sharedPath('traces', 'MANIFEST.json'), 'utf8')) as { files: Record<string, { data_rows?: number }> };
    const hit = Object.entries(manifest.files).find(([k]) => k.endsWith(`/${basename(path)}`));
    return hit?.[1].data_rows;
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT') return undefined;
    throw err;
  }
}

async function runSim(o: SimCliOptions): Promise<void> {
  const seed = int(o.seed, 'seed') ?? 1;
  const paper = o.scenario !== undefined;
  if (paper && o.scenario !== 'paper') throw new InvalidInputError(`unknown --scenario '${o.scenario}' (known: paper)`, { field: 'scenario' });
  if (paper && o.trace) throw new InvalidInputError('--scenario and --trace exclude each other', { field: 'scenario' });
  const tracePath = paper ? undefined : (o.trace ?? sharedPath(...DEFAULT_TRACE));
  if (tracePath && !existsSync(tracePath)) throw new InvalidInputError(`trace file not found: ${tracePath}`, { field: 'trace' });

  let cluster: ClusterSpec;
  const nodes = int(o.nodes, 'nodes', 1);
  const gpn = int(o.gpusPerNode, 'gpus-per-node', 0);
  if (nodes !== undefined || gpn !== undefined) {
    if (o.cluster) throw new InvalidInputError('--cluster and --nodes/--gpus-per-node exclude each other', { field: 'cluster' });
    cluster = uniformCluster(nodes ?? 16, gpn ?? 8);
  } else if (o.cluster && existsSync(o.cluster)) cluster = loadClusterFile(o.cluster);
  else cluster = clusterFromPreset(o.cluster ?? (paper ? 'paper-16' : presetForTrace(tracePath ?? '')));

  const interference = num(o.interference, 'interference');
  const model = loadModel(o.model, {
    ...DEFAULT_MODEL,
    ...(paper ? { interferencePerNeighbour: 0.05 } : {}),
    ...(interference !== undefined ? { interferencePerNeighbour: interference } : {}),
  });
  const weights = o.weights === 'none' ? undefined : o.weights ? readWeights(o.weights) : tracePath ? defaultWeightsFor(tracePath) : undefined;

  const synthetic = paper
    ? generateSynthetic({
        ...PAPER_SCENARIO, seed,
        jobsPerHour: num(o.jobsPerHour, 'jobs-per-hour') ?? PAPER_SCENARIO.jobsPerHour,
        hours: num(o.hours, 'hours') ?? PAPER_SCENARIO.hours,
        tenants: int(o.tenants, 'tenants', 1) ?? PAPER_SCENARIO.tenants,
        heavyShare: num(o.heavyShare, 'heavy-share') ?? PAPER_SCENARIO.heavyShare,
        skew: num(o.skew, 'skew') ?? PAPER_SCENARIO.skew,
      }, cluster.gpusPerNode)
    : undefined;
  const totalJobs = synthetic?.length ?? (tracePath ? traceRows(tracePath) : undefined);

  const entries = (o.policy ?? (paper ? PAPER_POLICIES : DEFAULT_POLICIES)).split(',').map((s) => s.trim()).filter(Boolean);
  const runs = entries.map((entry) => {
    const [name, data] = entry.split('+');
    if (data !== undefined && data !== 'grid') throw new InvalidInputError(`policy '${entry}': the only suffix is '+grid' (datasets served from the in-memory grid)`, { field: 'policy' });
    return { label: entry, policy: resolvePolicy(name ?? ''), grid: data === 'grid' };
  });

  const replay = o.telemetryReplay ? await loadGenAiReplay() : undefined;
  if (replay?.skipped && replay.skipped.count > 0) {
    console.error(`fairway sim: telemetry replay skipped ${replay.skipped.count} utilisation row(s) without a pod id or value (e.g. ${replay.skipped.examples.join(', ')})`);
  }
  const failures = parseFailures(o.nodeFailures, cluster);
  const showBar = !o.json && process.stderr.isTTY === true;
  const results: SimResult[] = [];
  let malformed: MalformedReport | undefined;
  let decisionText = '';
  for (const run of runs) {
    const report: MalformedReport = { count: 0, messages: [] };
    const source: JobSource = synthetic ? fromArray(synthetic) : traceSource(tracePath ?? '', { gpusPerNode: cluster.gpusPerNode }, report, { onMalformed: o.onMalformed });
    const bar = showBar ? new cliProgress.SingleBar({ format: `${run.label.padEnd(16)} [{bar}] {percentage}% | {value}/{total} jobs finished | {submitted} submitted | day {day}`, stream: process.stderr, clearOnComplete: false, hideCursor: true }, cliProgress.Presets.shades_classic) : undefined;
    bar?.start(totalJobs ?? 0, 0, { submitted: 0, day: 0 });
    const log = o.decisionLog ? new MemoryDecisionLog((r) => r.commands.length > 0) : undefined;
    const result = await runSimulation(source, {
      cluster, policy: { ...run.policy, name: run.label }, seed, model, dataFromGrid: run.grid, telemetry: o.telemetry,
      ...(replay ? { replay } : {}),
      ...(failures.length > 0 ? { failures } : {}),
      ...(weights ? { tenantWeights: weights } : {}),
      ...(log ? { log } : {}),
      ...(bar ? { onProgress: (p: { simMs: number; submitted: number; finished: number }) => bar.update(p.finished, { submitted: p.submitted, day: (p.simMs / 86_400_000).toFixed(1) }) } : {}),
    });
    bar?.stop();
    if (log) decisionText += log.text();
    results.push(result);
    malformed ??= report;
  }
  if (malformed && malformed.count > 0) {
    console.error(`fairway sim: skipped ${malformed.count} malformed trace row(s):\n  ${malformed.messages.join('\n  ')}${malformed.count > malformed.messages.length ? '\n  …' : ''}`);
  }
  if (o.decisionLog) writeFileSync(o.decisionLog, decisionText);
  const summaries = results.map(summarise);
  const what = paper ? `paper scenario (seed ${seed}, ${synthetic?.length ?? 0} jobs)` : basename(tracePath ?? '');
  if (o.json) {
    summaries.forEach((s, i) => console.log(JSON.stringify({ ...s, trace: what, seed, ...(o.series ? chartData(results[i]!) : {}) })));
  } else {
    console.log(`${what} on ${cluster.name} (${cluster.nodes.length} nodes, ${cluster.nodes.reduce((a, n) => a + n.capacity.gpuMilli, 0) / 1000} GPUs), seed ${seed}\n`);
    console.log(table(summaries));
  }
  if (o.report) {
    const command = `npx fairway sim ${process.argv.slice(3).join(' ')}`.trim();
    const path = writeReport(o.report, results, {
      title: `Simulation: ${what} on ${cluster.name}`,
      command,
      notes: [
        `cluster ${cluster.name}: ${cluster.nodes.length} nodes, ${cluster.nodes.reduce((a, n) => a + n.capacity.gpuMilli, 0) / 1000} GPUs`,
        `execution model: data-loading share ${model.dataLoadFraction.heavy}, grid speed-up ${model.gridSpeedup}×, interference ${model.interferencePerNeighbour} per neighbour (src/sim/execution-model.ts says where each default comes from)`,
        ...(malformed && malformed.count > 0 ? [`${malformed.count} malformed trace rows skipped`] : []),
      ],
    });
    if (!o.json) console.log(`\nreport: ${path}`);
  }
}

export function registerSim(program: Command): void {
  program
    .command('sim')
    .description('replay a job trace (or the paper scenario) through the scheduler under several policies and compare them')
    .option('--trace <file>', 'job trace in the normalised schema (.csv or .csv.gz); default: the bundled one-day Philly sample')
    .option('--cluster <file|preset>', `cluster description (YAML/JSON) or a preset: ${Object.keys(PRESETS).join(', ')}`)
    .option('--nodes <n>', 'uniform cluster: number of nodes')
    .option('--gpus-per-node <g>', 'uniform cluster: GPUs per node')
    .option('--policy <list>', `comma-separated policies, each optionally with +grid (data from the in-memory grid); known: ${policyNames().join(', ')}`)
    .addOption(new Option('--scenario <name>', "synthetic scenario instead of a trace: 'paper' (the seed's CIFAR-10/ImageNet experiment on 16 nodes)").choices(['paper']))
    .option('--seed <n>', 'random seed', '1')
    .option('--json', 'print one JSON object per policy (no table, no progress bar)')
    .option('--series', "with --json: add each policy's time series and JCT distribution (downsampled) for the dashboard's report view")
    .option('--report <dir>', 'write a Markdown report with SVG charts into this directory')
    .addOption(new Option('--on-malformed <what>', 'malformed trace rows: skip them (counted, reported) or fail').choices(['skip', 'fail']).default('skip'))
    .option('--model <file>', 'execution-model overrides (YAML/JSON, see src/sim/execution-model.ts)')
    .option('--weights <file|none>', 'tenant weights CSV (tenant,weight); default for Philly: VC node counts')
    .option('--no-telemetry', 'do not feed generated telemetry to the core')
    .option('--telemetry-replay', 'replay GPU/memory telemetry from the Alibaba GenAI pod utilisation series instead of generating it')
    .option('--decision-log <file>', 'write the decision log (events with the commands they caused, JSON lines)')
    .option('--node-failures <list>', 'inject node failures: NODE@START_H+DOWN_H, comma-separated (e.g. n03@12+4)')
    .option('--interference <k>', 'slow-down per co-located neighbour job')
    .option('--jobs-per-hour <n>', 'paper scenario: arrival rate')
    .option('--hours <n>', 'paper scenario: length of the arrival window')
    .option('--tenants <n>', 'paper scenario: number of tenants')
    .option('--heavy-share <f>', 'paper scenario: share of ImageNet-like jobs')
    .option('--skew <s>', 'paper scenario: Zipf skew of arrivals between tenants')
    .action(async (opts: SimCliOptions) => {
      await runSim(opts);
    });
}
