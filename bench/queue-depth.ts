// `npm run bench -- queue-depth [--json] [--cycles N]`: CPU time of one scheduling cycle of the reducer on a deep
// queue — 10,000 and 50,000 pending jobs on a full node (the coordinator under a submission flood) — with the
// coordinator's queue depth (1,000) and unbounded. CPU time of this process (not wall time), so the figures hold
// when other processes compete for the cores. Median and max over N cycles after two warm-up rounds.
import { createControlState } from '../src/core/control/state.ts';
import { step } from '../src/core/control/step.ts';
import { createRng } from '../src/core/util/rng.ts';
import { DEFAULT_COORDINATOR_QUEUE_DEPTH } from '../src/server/coordinator.ts';

interface Row { pending: number; queueDepth: number | 'unbounded'; cpuMedianMs: number; cpuMaxMs: number; placed: number }

function measure(pending: number, depth: number, cycles: number): Row {
  const s = createControlState({ cycleIntervalMs: 100, queueDepth: depth });
  const rng = createRng(1);
  step(s, { type: 'TenantUpserted', atMs: 0, tenant: { id: 'bench', weight: 1, tier: 'silver', guaranteed: { cpuMilli: 0, gpuMilli: 0, memMiB: 0, netMbps: 0 } } }, 0, rng);
  step(s, { type: 'NodeRegistered', atMs: 0, node: { id: 'n1', capacity: { cpuMilli: 8000, gpuMilli: 0, memMiB: 65_536, netMbps: 0 }, labels: {}, status: 'ready' } }, 0, rng);
  for (let i = 0; i < pending; i++) {
    step(s, {
      type: 'JobSubmitted', atMs: i,
      job: { id: `j${i}`, tenantId: 'bench', request: { cpuMilli: 1000, gpuMilli: 0, memMiB: 256, netMbps: 0 }, gangSize: 1, priorityClass: i % 10 === 0 ? 'high' : 'normal', submittedAtMs: i, preemptible: true, migratable: true, kind: 'train' },
    }, i, rng);
  }
  const ms: number[] = [];
  for (let c = 0; c < cycles; c++) {
    const now = pending + 1000 + c * 100;
    const t0 = process.cpuUsage();
    step(s, { type: 'TimerFired', atMs: now, timerId: `t${c}`, purpose: 'schedule' }, now, rng);
    const d = process.cpuUsage(t0);
    ms.push((d.user + d.system) / 1000);
  }
  ms.sort((a, b) => a - b);
  return { pending, queueDepth: depth === Number.POSITIVE_INFINITY ? 'unbounded' : depth, cpuMedianMs: Number(ms[Math.floor(ms.length / 2)]!.toFixed(2)), cpuMaxMs: Number(ms[ms.length - 1]!.toFixed(2)), placed: s.running.size };
}

export async function run(argv: string[]): Promise<void> {
  const json = argv.includes('--json');
  const i = argv.indexOf('--cycles');
  const cycles = i >= 0 ? Number(argv[i + 1]) : 31;
  measure(10_000, DEFAULT_COORDINATOR_QUEUE_DEPTH, 5); // warm-up (JIT)
  measure(10_000, Number.POSITIVE_INFINITY, 5);
  const rows: Row[] = [];
  for (const pending of [10_000, 50_000]) for (const depth of [DEFAULT_COORDINATOR_QUEUE_DEPTH, Number.POSITIVE_INFINITY]) rows.push(measure(pending, depth, cycles));
  if (json) console.log(JSON.stringify({ cycles, rows }));
  else {
    console.log(`scheduling cycle CPU time on a deep queue (reducer only, ${cycles} cycles each)`);
    console.table(rows);
  }
}
