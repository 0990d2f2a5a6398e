// `npm run bench -- sim [--json] [--policy fairway] [--trace FILE] [--nodes 96] [--gpus-per-node 8] [--cycle-ms 1000]`
// Replays the largest Philly trace (71,570 jobs, 14 tenants, 12 weeks) end to end through the same driver and core
// as the live coordinator, and reports wall time, events/s, speed-up over real time and peak memory.
// Target (issue 3): under 30 s on this machine, memory bounded by the jobs alive at once.
import { sharedPath } from '../src/paths.ts';
import { uniformCluster } from '../src/sim/cluster-spec.ts';
import { resolvePolicy } from '../src/sim/policies.ts';
import { runSimulation } from '../src/sim/simulator.ts';
import { defaultWeightsFor } from '../src/sim/tenant-weights.ts';
import { traceSource } from '../src/sim/workload.ts';

function arg(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? (args[i + 1] as string) : fallback;
}

export async function run(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const trace = arg(args, 'trace', sharedPath('traces', 'philly', 'philly_2017_shared_full.csv.gz'));
  const policyName = arg(args, 'policy', 'fairway');
  const nodes = Number(arg(args, 'nodes', '96'));
  const gpn = Number(arg(args, 'gpus-per-node', '8'));
  const cluster = uniformCluster(nodes, gpn);
  // The core's coalescing delay from a change to its scheduling cycle (default 1 s, the core's default).
  const cycleMs = Number(arg(args, 'cycle-ms', '1000'));
  const report = { count: 0, messages: [] as string[] };
  let peakRssMiB = 0;
  let peakHeapMiB = 0;
  const sampleMemory = (): void => {
    const m = process.memoryUsage();
    peakRssMiB = Math.max(peakRssMiB, m.rss / 2 ** 20);
    peakHeapMiB = Math.max(peakHeapMiB, m.heapUsed / 2 ** 20);
  };
  sampleMemory();
  const startRssMiB = peakRssMiB;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const weights = defaultWeightsFor(trace);
  const result = await runSimulation(traceSource(trace, { gpusPerNode: gpn }, report), {
    cluster, policy: resolvePolicy(policyName, { cycleIntervalMs: cycleMs }), seed: 1,
    ...(weights ? { tenantWeights: weights } : {}),
    onProgress: sampleMemory,
  });
  const wallS = (performance.now() - t0) / 1000;
  // CPU time of this process too: on a shared machine wall time also counts the time other processes had the cores.
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  sampleMemory();
  const m = result.metrics;
  const simulatedS = m.makespanS;
  const out = {
    bench: 'sim',
    trace: trace.split('/').pop(),
    policy: policyName,
    cluster: `${nodes}x${gpn}`,
    cycleIntervalMs: cycleMs,
    jobs: m.jobs,
    unfinished: m.unfinished,
    malformedRows: report.count,
    wallS: Math.round(wallS * 100) / 100,
    cpuS: Math.round(cpuS * 100) / 100,
    events: result.events,
    driverEvents: result.driverEvents,
    eventsPerSec: Math.round(result.events / wallS),
    simulatedDays: Math.round((simulatedS / 86400) * 10) / 10,
    speedupOverRealTime: Math.round(simulatedS / wallS),
    peakAliveJobs: result.peakAliveJobs,
    startRssMiB: Math.round(startRssMiB),
    peakRssMiB: Math.round(peakRssMiB),
    peakHeapMiB: Math.round(peakHeapMiB),
    targetWallS: 30,
    avgJctS: Math.round(m.avgJctS),
    gpuUtil: Math.round(m.gpuUtil * 1000) / 1000,
    jainNormalised: Math.round(m.jainNormalised * 1000) / 1000,
  };
  if (json) {
    console.log(JSON.stringify(out));
    return;
  }
  console.log(`sim bench: ${out.trace} with ${policyName} on ${out.cluster} GPUs`);
  for (const [k, v] of Object.entries(out)) if (k !== 'bench') console.log(`  ${k.padEnd(20)} ${String(v)}`);
  console.log(`  => wall ${wallS < 30 ? 'within' : 'OVER'} the 30 s target (${(wallS / 30).toFixed(2)}× of it); CPU time ${cpuS.toFixed(1)} s`);
}
