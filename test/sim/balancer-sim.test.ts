import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryDecisionLog } from '../../src/runtime/memory-decision-log.ts';
import { clusterFromPreset } from '../../src/sim/cluster-spec.ts';
import { resolvePolicy } from '../../src/sim/policies.ts';
import { runSimulation } from '../../src/sim/simulator.ts';
import { traceSource } from '../../src/sim/workload.ts';
import { sharedPath } from '../../src/paths.ts';

const TINY = sharedPath('traces', 'philly', 'philly_2017_tiny_2017-11-08_5vc.csv');

async function tinyRun(policy: string, log?: MemoryDecisionLog, checkInvariants = false) {
  return runSimulation(traceSource(TINY, { gpusPerNode: 8 }, { count: 0, messages: [] }), {
    cluster: clusterFromPreset('philly-tiny'), policy: resolvePolicy(policy), seed: 1, recordFinishes: true, checkInvariants, ...(log ? { log } : {}),
  });
}

test('balancer on (Philly day): jobs migrate, every job still finishes exactly once and no node is ever over-committed', async () => {
  const log = new MemoryDecisionLog((rec) => rec.commands.some((c) => c.type === 'MigrateJob'));
  const r = await tinyRun('fairway-balancer', log, true);
  assert.equal(r.metrics.jobs, 398);
  assert.equal(r.metrics.unfinished, 0);
  const ids = r.finishes.map((f) => f.jobId);
  assert.equal(new Set(ids).size, ids.length, 'a job finished twice');
  assert.ok(r.metrics.migrations > 0, 'the balancer moved something (otherwise this test checks nothing)');
  // Every MigrateJob the core issued carries the balancer's reason, and each one completed in the simulator.
  const moves = log.text().split('\n').filter(Boolean).flatMap((l) => (JSON.parse(l) as { commands: Array<{ type: string; reason?: { plugin: string } }> }).commands.filter((c) => c.type === 'MigrateJob'));
  assert.ok(moves.length >= r.metrics.migrations);
  for (const m of moves) assert.equal(m.reason?.plugin, 'balancer');
  assert.ok(r.metrics.overloadedNodeH >= 0);
});

test('balancer runs are deterministic (same seed, same finishes)', async () => {
  const a = await tinyRun('fairway-balancer');
  const b = await tinyRun('fairway-balancer');
  assert.deepEqual(a.finishes, b.finishes);
  assert.equal(a.metrics.migrations, b.metrics.migrations);
});

test('policy names: unknown balancer forecaster is a typed error', () => {
  assert.throws(() => resolvePolicy('fairway-balancer-prophet'), /unknown balancer forecaster/);
  assert.equal(resolvePolicy('drf-balancer-naive').name, 'drf-balancer-naive');
});
