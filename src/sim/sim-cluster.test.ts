import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command, Event, JobSpec } from '../core/domain/index.ts';
import type { Reducer } from '../runtime/reducer.ts';
import { uniformCluster } from './cluster-spec.ts';
import { DEFAULT_MODEL } from './execution-model.ts';
import type { Policy } from './policies.ts';
import { fromArray, runSimulation } from './simulator.ts';
import type { SimJobInput } from './workload.ts';

const reason = { plugin: 'test', code: 'scripted', message: 'scripted' };

function job(id: string, durS: number): SimJobInput {
  const spec: JobSpec = { id, tenantId: 't', request: { cpuMilli: 1000, gpuMilli: 1000, memMiB: 1024, netMbps: 0 }, gangSize: 1, priorityClass: 'normal', submittedAtMs: 0, preemptible: true, migratable: true, kind: 'train' };
  return { spec, durationMs: durS * 1000, cls: 'light', gpus: 1 };
}

/** A policy that answers events from a script keyed by `type:detail`, and records every event it sees. */
function scripted(script: Record<string, Command[]>, seen: string[]): Policy<null> {
  const reducer: Reducer<null> = (s, e: Event) => {
    const key = e.type === 'JobSubmitted' ? `JobSubmitted:${e.job.id}` : e.type === 'TimerFired' ? `TimerFired:${e.timerId}` : e.type === 'ProcessExited' ? `ProcessExited:${e.jobId}:${e.reason ?? e.exitCode}` : e.type;
    if (e.type !== 'NodeRegistered' && e.type !== 'TenantUpserted') seen.push(`${e.atMs} ${key}`);
    return { state: s, commands: script[key] ?? [] };
  };
  return { name: 'scripted', reducer, initialState: () => null };
}

test('preempt, resume and migrate: progress is kept and each costs what the execution model says', async () => {
  const seen: string[] = [];
  const policy = scripted({
    'JobSubmitted:a': [{ type: 'LaunchJob', jobId: 'a', nodeIds: ['n00'] }, { type: 'SetTimer', timerId: 'p', atMs: 10_000, purpose: 'schedule' }],
    'TimerFired:p': [{ type: 'PreemptJob', jobId: 'a', reason }, { type: 'SetTimer', timerId: 'r', atMs: 20_000, purpose: 'schedule' }],
    'TimerFired:r': [{ type: 'LaunchJob', jobId: 'a', nodeIds: ['n01'], resumeFromCheckpointId: 'a-1' }, { type: 'SetTimer', timerId: 'm', atMs: 30_000, purpose: 'schedule' }],
    'TimerFired:m': [{ type: 'MigrateJob', jobId: 'a', fromNodeIds: ['n01'], toNodeIds: ['n00'], reason }],
  }, seen);
  const r = await runSimulation(fromArray([job('a', 100)]), { cluster: uniformCluster(2, 1), policy: policy as Policy, seed: 1, recordFinishes: true, telemetry: false, checkInvariants: true });
  // Checkpoint of 1 GPU = 1024 MiB / 1000 MiB/s = 1.024 s; restart 10 s.
  // Work 100 s; 10 s done at the preemption (+1.024 s to write the checkpoint); resumed at 20 (+10 s restart,
  // +1.024 s restore); 20 s done at 30, when it migrates (+2 × 1.024 + 10 s): 124.096 s of work, 104.096 s left
  // at 30 → finishes at 134.096 s. It pauses to write its checkpoint on the old node, moves at 31.024 s
  // (MigrationCompleted) and pays restore + restart (11.024 s) on the new one: 134.096 s either way.
  assert.equal(DEFAULT_MODEL.checkpointMiBPerGpu, 1024);
  assert.equal(r.finishes[0]?.finishedMs, 134_096);
  assert.equal(r.metrics.preemptions, 1);
  assert.equal(r.metrics.migrations, 1);
  assert.ok(seen.includes('10000 ProcessExited:a:preempted'));
  assert.ok(seen.includes('31024 MigrationCompleted'));
  assert.ok(seen.includes('134096 ProcessExited:a:0'));
  // The wait counts only until the first start.
  assert.equal(r.metrics.maxWaitS, 0);
});

test('interference slows co-located jobs and speeds the survivor up when its neighbour leaves', async () => {
  const seen: string[] = [];
  const policy = scripted({
    'JobSubmitted:x': [{ type: 'LaunchJob', jobId: 'x', nodeIds: ['n00'] }],
    'JobSubmitted:y': [{ type: 'LaunchJob', jobId: 'y', nodeIds: ['n00'] }],
  }, seen);
  const r = await runSimulation(fromArray([job('x', 100), job('y', 50)]), {
    cluster: uniformCluster(1, 2), policy: policy as Policy, seed: 1, recordFinishes: true, telemetry: false,
    model: { ...DEFAULT_MODEL, interferencePerNeighbour: 0.1 },
  });
  // Both at speed 1/1.1: y ends at 55 s; x has done 50 s by then and runs the other 50 s alone → 105 s.
  assert.deepEqual(r.finishes.map((f) => [f.jobId, f.finishedMs]), [['y', 55_000], ['x', 105_000]]);
});

test('a policy that over-commits a node or launches on an unknown node is caught, not simulated', async () => {
  const over = scripted({
    'JobSubmitted:x': [{ type: 'LaunchJob', jobId: 'x', nodeIds: ['n00'] }],
    'JobSubmitted:y': [{ type: 'LaunchJob', jobId: 'y', nodeIds: ['n00'] }],
  }, []);
  await assert.rejects(runSimulation(fromArray([job('x', 10), job('y', 10)]), { cluster: uniformCluster(1, 1), policy: over as Policy, seed: 1 }), /capacity exceeded on node n00/);
  const unknown = scripted({ 'JobSubmitted:x': [{ type: 'LaunchJob', jobId: 'x', nodeIds: ['zz'] }] }, []);
  await assert.rejects(runSimulation(fromArray([job('x', 10)]), { cluster: uniformCluster(1, 1), policy: unknown as Policy, seed: 1 }), /unknown node zz/);
});

test('telemetry samples reach the core at 1, 2, 4 … minutes after a start, within the allocation', async () => {
  const seen: string[] = [];
  const samples: number[] = [];
  const base = scripted({ 'JobSubmitted:a': [{ type: 'LaunchJob', jobId: 'a', nodeIds: ['n00'] }] }, seen);
  const policy: Policy<null> = {
    ...base,
    reducer: (s, e, now, rng) => {
      if (e.type === 'TelemetrySampled') {
        samples.push(e.atMs);
        assert.ok(e.sample.used.gpuMilli <= 1000 && e.sample.used.gpuMilli > 0);
      }
      return base.reducer(s, e, now, rng);
    },
  };
  await runSimulation(fromArray([job('a', 1000)]), { cluster: uniformCluster(1, 1), policy: policy as Policy, seed: 1 });
  assert.deepEqual(samples, [60_000, 180_000, 420_000, 900_000]);
});

test('a node failure sends its jobs back to their last checkpoint; the core restarts them elsewhere, then uses the node again', async () => {
  const { resolvePolicy } = await import('./policies.ts');
  // 2 nodes of 1 GPU; a (100 s) starts on n00 at 0, b (100 s) on n01. n00 fails at 40 s for 1000 s.
  // a loses its 40 s (no checkpoint), waits for n01 (b ends at 100), restarts there: 100 + 10 s restart + 100 s → 210 s.
  const r = await runSimulation(fromArray([job('a', 100), job('b', 100)]), {
    cluster: uniformCluster(2, 1), policy: resolvePolicy('fifo', { cycleIntervalMs: 0 }), seed: 1, recordFinishes: true, telemetry: false, checkInvariants: true,
    failures: [{ nodeId: 'n00', atMs: 40_000, downMs: 1_000_000 }],
  });
  assert.deepEqual(r.finishes.map((f) => [f.jobId, f.finishedMs]), [['b', 100_000], ['a', 210_000]]);
  assert.equal(r.metrics.preemptions, 1);
});

test('replayed telemetry follows the utilisation series assigned to the job', async () => {
  const gpuSeries = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 0.05, 0.15, 0.25, 0.35, 0.45, 0.55];
  const replay = { gpu: (_j: string, minute: number) => gpuSeries[Math.floor(minute) % gpuSeries.length] ?? 0, mem: () => 0.5 };
  const got: Array<[number, number, number]> = [];
  const base = scripted({ 'JobSubmitted:a': [{ type: 'LaunchJob', jobId: 'a', nodeIds: ['n00'] }] }, []);
  const policy: Policy<null> = {
    ...base,
    reducer: (s, e, now, rng) => {
      if (e.type === 'TelemetrySampled') got.push([e.atMs / 60_000, e.sample.used.gpuMilli, e.sample.used.memMiB]);
      return base.reducer(s, e, now, rng);
    },
  };
  await runSimulation(fromArray([job('a', 1000)]), { cluster: uniformCluster(1, 1), policy: policy as Policy, seed: 1, replay });
  // Samples at minutes 1, 3, 7, 15 → series values 0.2, 0.4, 0.8, 0.55 of 1000 milli-GPU; memory half of 1024 MiB.
  assert.deepEqual(got, [[1, 200, 512], [3, 400, 512], [7, 800, 512], [15, 550, 512]]);
});

test('telemetry keeps flowing after a migration, even when a sample falls due while the job is paused', async () => {
  const seen: string[] = [];
  // Samples fall due at 60 s and 180 s after the start; the migration pauses the job from 179.5 s to 180.524 s.
  const policy = scripted({
    'JobSubmitted:a': [{ type: 'LaunchJob', jobId: 'a', nodeIds: ['n00'] }, { type: 'SetTimer', timerId: 'm', atMs: 179_500, purpose: 'schedule' }],
    'TimerFired:m': [{ type: 'MigrateJob', jobId: 'a', fromNodeIds: ['n00'], toNodeIds: ['n01'], reason }],
  }, seen);
  const r = await runSimulation(fromArray([job('a', 1000)]), { cluster: uniformCluster(2, 1), policy: policy as Policy, seed: 1, recordFinishes: true, telemetry: true, checkInvariants: true });
  assert.equal(r.metrics.migrations, 1);
  const samples = seen.filter((s) => s.endsWith('TelemetrySampled')).map((s) => Number(s.split(' ')[0]));
  assert.ok(samples.includes(60_000));
  assert.ok(!samples.some((t) => t > 179_500 && t < 180_524), 'no sample while paused');
  assert.ok(samples.some((t) => t > 180_524), `samples resume after the move (saw ${samples.join(', ')})`);
});
