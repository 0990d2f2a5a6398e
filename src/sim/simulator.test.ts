import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { JobSpec } from '../core/domain/index.ts';
import { MemoryDecisionLog } from '../runtime/memory-decision-log.ts';
import { clusterFromPreset, uniformCluster } from './cluster-spec.ts';
import { DEFAULT_MODEL } from './execution-model.ts';
import { resolvePolicy } from './policies.ts';
import { fromArray, runSimulation } from './simulator.ts';
import { generateSynthetic, PAPER_SCENARIO } from './synthetic.ts';
import type { SimJobInput } from './workload.ts';
import { sharedPath } from '../paths.ts';
import { traceSource } from './workload.ts';

/** A job of `gpus` GPUs on a cluster of 1-GPU nodes (a gang of `gpus` whole nodes). */
function job(id: string, atS: number, durS: number, gpus: number, tenant = 't1', extra: Partial<JobSpec> = {}): SimJobInput {
  const spec: JobSpec = {
    id, tenantId: tenant, request: { cpuMilli: 1000, gpuMilli: 1000, memMiB: 1024, netMbps: 0 }, gangSize: gpus, priorityClass: 'normal',
    submittedAtMs: atS * 1000, preemptible: true, migratable: true, kind: 'train', ...extra,
  };
  return { spec, durationMs: durS * 1000, cls: 'light', gpus };
}

async function finishTimes(policy: string, jobs: SimJobInput[]): Promise<Record<string, number>> {
  const r = await runSimulation(fromArray(jobs), { cluster: uniformCluster(2, 1), policy: resolvePolicy(policy, { cycleIntervalMs: 0 }), seed: 1, recordFinishes: true, checkInvariants: true, telemetry: false });
  return Object.fromEntries(r.finishes.map((f) => [f.jobId, (f.finishedMs - f.submittedMs) / 1000]));
}

// Hand-computed: 2 nodes of 1 GPU. a (1 GPU, 100 s) at 0; b (2 GPUs = both nodes, 10 s) at 5; c (1 GPU, 20 s) at 6.
const THREE = [job('a', 0, 100, 1), job('b', 5, 10, 2), job('c', 6, 20, 1)];

test('3 jobs on 2 nodes, strict FIFO: the gang at the head blocks c until a ends (JCT a 100, b 105, c 124)', async () => {
  // a runs [0,100]. b needs both nodes: waits for a, runs [100,110]. c is behind b: runs [110,130] → JCT 124.
  for (const policy of ['fifo', 'ref-fifo']) {
    assert.deepEqual(await finishTimes(policy, THREE), { a: 100, b: 105, c: 124 }, policy);
  }
});

test('3 jobs on 2 nodes, greedy FIFO: c starts at once on the free node (JCT a 100, b 105, c 20)', async () => {
  // c fits on the second node at 6 and runs [6,26]; b still waits for both nodes: [100,110].
  for (const policy of ['fifo-greedy', 'ref-fifo-greedy']) {
    assert.deepEqual(await finishTimes(policy, THREE), { a: 100, b: 105, c: 20 }, policy);
  }
});

test('utilisation and wait metrics of the hand-computed strict FIFO run', async () => {
  const r = await runSimulation(fromArray(THREE), { cluster: uniformCluster(2, 1), policy: resolvePolicy('fifo', { cycleIntervalMs: 0 }), seed: 1, telemetry: false });
  const m = r.metrics;
  // GPU-seconds: a 100 + b 2×10 + c 20 = 140 over 2 GPUs × makespan 130 s.
  assert.equal(m.makespanS, 130);
  assert.ok(Math.abs(m.gpuUtil - 140 / 260) < 1e-9);
  // waits: a 0, b 95, c 104 → max 104, mean 66.33…
  assert.equal(m.maxWaitS, 104);
  assert.ok(Math.abs(m.avgWaitS - 199 / 3) < 1e-9);
  assert.ok(Math.abs(m.avgJctS - (100 + 105 + 124) / 3) < 1e-9);
  assert.equal(m.jobs, 3);
  assert.equal(m.unfinished, 0);
});

test('data from the grid shortens the data-loading share of the run time', async () => {
  const one = [job('x', 0, 100, 1)];
  const r = await runSimulation(fromArray(one), { cluster: uniformCluster(1, 1), policy: resolvePolicy('fifo', { cycleIntervalMs: 0 }), seed: 1, dataFromGrid: true, recordFinishes: true, telemetry: false });
  // 100 s × (1 − 0.3 + 0.3 / 5) = 76 s with the default model.
  assert.equal(DEFAULT_MODEL.dataLoadFraction.light, 0.3);
  assert.equal(r.finishes[0]?.finishedMs, 76_000);
});

test('a job too large for the cluster is reported unfinished instead of spinning forever', async () => {
  const r = await runSimulation(fromArray([job('small', 0, 10, 1), job('huge', 0, 10, 3)]), { cluster: uniformCluster(2, 1), policy: resolvePolicy('fifo-greedy'), seed: 1, telemetry: false });
  assert.equal(r.metrics.jobs, 1);
  assert.equal(r.metrics.unfinished, 1);
});

test('conservation: every job finishes exactly once, no node is over-committed, utilisation ≤ 100%, JCT ≥ run time', async () => {
  const arbJobs = fc.array(
    fc.record({ at: fc.integer({ min: 0, max: 500 }), dur: fc.integer({ min: 1, max: 300 }), gpus: fc.integer({ min: 0, max: 3 }), tenant: fc.constantFrom('a', 'b', 'c'), cpu: fc.integer({ min: 1, max: 4 }) }),
    { minLength: 1, maxLength: 25 },
  );
  await fc.assert(
    fc.asyncProperty(arbJobs, fc.constantFrom('fifo', 'fifo-greedy', 'drf', 'tiresias', 'fairway'), async (raw, policy) => {
      const sorted = [...raw].sort((x, y) => x.at - y.at);
      // Cluster of 2 nodes × 2 GPUs × 4 cores; a job of g GPUs is one task (g ≤ 2) or a gang of 2 whole nodes.
      const jobs: SimJobInput[] = sorted.map((j, i) => {
        const gang = j.gpus > 2 ? 2 : 1;
        const spec: JobSpec = {
          id: `j${i}`, tenantId: j.tenant, gangSize: gang, priorityClass: 'normal', submittedAtMs: j.at * 1000, preemptible: true, migratable: true, kind: 'train',
          request: { cpuMilli: gang > 1 ? 4000 : j.cpu * 1000, gpuMilli: (gang > 1 ? 2 : j.gpus) * 1000, memMiB: 1024, netMbps: 0 },
        };
        return { spec, durationMs: j.dur * 1000, cls: 'light' as const, gpus: j.gpus };
      });
      const r = await runSimulation(fromArray(jobs), { cluster: uniformCluster(2, 2), policy: resolvePolicy(policy), seed: 7, recordFinishes: true, checkInvariants: true });
      const ids = r.finishes.map((f) => f.jobId);
      assert.equal(new Set(ids).size, ids.length, 'a job finished twice');
      assert.equal(ids.length, jobs.length, `${jobs.length - ids.length} job(s) never finished`);
      for (const f of r.finishes) {
        const j = jobs.find((x) => x.spec.id === f.jobId);
        assert.ok(j);
        assert.ok(f.startedMs >= f.submittedMs);
        assert.ok(f.finishedMs - f.startedMs >= j.durationMs);
      }
      for (const u of [r.metrics.gpuUtil, r.metrics.cpuUtil, r.metrics.memUtil, r.metrics.gpuUsedUtil]) assert.ok(u >= 0 && u <= 1 + 1e-12, `utilisation ${u}`);
      for (const p of r.series) assert.ok(p.gpuAlloc <= 1 + 1e-12 && p.cpuAlloc <= 1 + 1e-12 && p.memAlloc <= 1 + 1e-12);
    }),
    { numRuns: 25, seed: 42 },
  );
});

test('same seed ⇒ byte-identical decision log; another seed ⇒ a different one', async () => {
  const run = async (seed: number): Promise<string> => {
    const log = new MemoryDecisionLog((rec) => rec.commands.length > 0);
    const jobs = generateSynthetic({ ...PAPER_SCENARIO, seed, hours: 6 }, 8);
    await runSimulation(fromArray(jobs), { cluster: clusterFromPreset('paper-16'), policy: resolvePolicy('fairway'), seed, log, model: { ...DEFAULT_MODEL, interferencePerNeighbour: 0.05 } });
    return log.text();
  };
  const a = await run(3);
  assert.ok(a.length > 1000);
  assert.equal(await run(3), a);
  assert.notEqual(await run(4), a);
});

test('the core FIFO profiles replay the Philly sample exactly as the independent reference baselines do', async () => {
  const path = sharedPath('traces', 'philly', 'philly_2017_tiny_2017-11-08_5vc.csv');
  const cluster = clusterFromPreset('philly-tiny');
  const finishes = async (policy: string): Promise<string> => {
    const r = await runSimulation(traceSource(path, { gpusPerNode: 8 }, { count: 0, messages: [] }), { cluster, policy: resolvePolicy(policy, { cycleIntervalMs: 0 }), seed: 1, recordFinishes: true, telemetry: false });
    assert.equal(r.metrics.jobs, 398);
    return r.finishes.map((f) => `${f.jobId}:${f.startedMs}:${f.finishedMs}`).join('\n');
  };
  assert.equal(await finishes('fifo'), await finishes('ref-fifo'));
  assert.equal(await finishes('fifo-greedy'), await finishes('ref-fifo-greedy'));
});
