import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeJob, makeNode, makeTenant } from '../../../test/harness/builders.ts';
import type { Command } from '../domain/commands.ts';
import type { Event } from '../domain/events.ts';
import type { JobSpec } from '../domain/job.ts';
import { createRng } from '../util/rng.ts';
import { migrationBlocker } from './migrate.ts';
import { createControlState, type ControlState } from './state.ts';
import { step } from './step.ts';

const node = (id: string, gpus = 8) => {
  const n = makeNode(id).gpus(gpus).cpu(32).memMiB(64 * 1024).build();
  return { id: n.id, capacity: n.capacity, labels: n.labels, status: n.status };
};
const WHY = { plugin: 'api', code: 'operator', message: 'asked by an operator' };

/** Balancer off: operator migrations work without it. Jobs are placed on n1 before n2 registers. */
function rig(specs: readonly JobSpec[]): { state: ControlState; ev: (e: Event) => Command[] } {
  const state = createControlState({ profile: 'fifo-greedy', cycleIntervalMs: 0 });
  const rng = createRng(3);
  const ev = (e: Event): Command[] => [...step(state, e, e.atMs, rng).commands];
  ev({ type: 'TenantUpserted', atMs: 0, tenant: makeTenant('a').build() });
  ev({ type: 'NodeRegistered', atMs: 0, node: node('n1') });
  for (const s of specs) ev({ type: 'JobSubmitted', atMs: 0, job: s });
  ev({ type: 'TimerFired', atMs: 0, timerId: 's0', purpose: 'schedule' });
  ev({ type: 'NodeRegistered', atMs: 1, node: node('n2') });
  return { state, ev };
}

test('an operator migration emits MigrateJob, holds the target, and moves the job at MigrationCompleted', () => {
  const { state, ev } = rig([makeJob('mov').gpus(4).build()]);
  const cmds = ev({ type: 'MigrationRequested', atMs: 10, jobId: 'mov', toNodeIds: ['n2'], reason: WHY });
  assert.deepEqual(cmds.filter((c) => c.type === 'MigrateJob'), [{ type: 'MigrateJob', jobId: 'mov', fromNodeIds: ['n1'], toNodeIds: ['n2'], reason: WHY }]);
  assert.equal(state.jobs.get('mov')!.state, 'migrating');
  // While it checkpoints, n2's room is held: a 6-GPU job (8 − 4 held = 4 free) must not be placed there.
  assert.equal(state.nodes.get('n2')!.alloc[1], 4000);
  ev({ type: 'JobSubmitted', atMs: 11, job: makeJob('big').gpus(6).build() });
  const during = ev({ type: 'TimerFired', atMs: 12, timerId: 's12', purpose: 'schedule' });
  assert.equal(during.filter((c) => c.type === 'LaunchJob').length, 0);
  ev({ type: 'MigrationCompleted', atMs: 20, jobId: 'mov', toNodeIds: ['n2'] });
  const mov = state.jobs.get('mov')!;
  assert.equal(mov.state, 'running');
  assert.deepEqual(mov.nodeIds, ['n2']);
  assert.equal(state.nodes.get('n1')!.alloc[1], 0, 'old node freed');
  assert.equal(state.nodes.get('n2')!.alloc[1], 4000, 'the job counted once on the target');
  assert.equal(state.migrationHolds.size, 0);
  // Now 'big' fits on n1 (8 free).
  const after = ev({ type: 'TimerFired', atMs: 21, timerId: 's21', purpose: 'schedule' });
  assert.deepEqual(after.filter((c) => c.type === 'LaunchJob').map((c) => (c as { nodeIds: readonly string[] }).nodeIds), [['n1']]);
});

test('requests that cannot be honoured are answered with a reason and change nothing', () => {
  const { state, ev } = rig([makeJob('mov').gpus(4).build(), { ...makeJob('pin').gpus(4).build(), migratable: false }]);
  assert.equal(migrationBlocker(state, 'nope', ['n2'])?.code, 'unknown-job');
  assert.equal(migrationBlocker(state, 'pin', ['n2'])?.code, 'not-migratable');
  assert.equal(migrationBlocker(state, 'mov', ['n1'])?.code, 'same-nodes');
  assert.equal(migrationBlocker(state, 'mov', ['n9'])?.code, 'unknown-node');
  assert.equal(migrationBlocker(state, 'mov', ['n2', 'n2'])?.code, 'gang-size');
  assert.equal(migrationBlocker(state, 'mov', ['n2']), undefined);
  ev({ type: 'NodeStatusChanged', atMs: 5, nodeId: 'n2', status: 'draining' });
  assert.equal(migrationBlocker(state, 'mov', ['n2'])?.code, 'node-not-ready');
  const cmds = ev({ type: 'MigrationRequested', atMs: 6, jobId: 'mov', toNodeIds: ['n2'], reason: WHY });
  assert.deepEqual(cmds, [], 'a stale request is ignored by the reducer too');
  assert.equal(state.jobs.get('mov')!.state, 'running');
  ev({ type: 'NodeStatusChanged', atMs: 7, nodeId: 'n2', status: 'ready' });
  ev({ type: 'JobSubmitted', atMs: 8, job: makeJob('fill').gpus(6).build() });
  ev({ type: 'TimerFired', atMs: 8, timerId: 's8', purpose: 'schedule' });
  assert.deepEqual(state.jobs.get('fill')!.nodeIds, ['n2']);
  // n2 has 2 GPUs free; 'mov' needs 4.
  assert.equal(migrationBlocker(state, 'mov', ['n2'])?.code, 'insufficient');
});

test('a job that finishes on its old node while asked to move succeeds and releases the held target', () => {
  const { state, ev } = rig([makeJob('mov').gpus(4).build()]);
  ev({ type: 'MigrationRequested', atMs: 10, jobId: 'mov', toNodeIds: ['n2'], reason: WHY });
  ev({ type: 'ProcessExited', atMs: 11, jobId: 'mov', exitCode: 0 });
  assert.equal(state.jobs.get('mov')!.state, 'succeeded');
  assert.equal(state.nodes.get('n1')!.alloc[1], 0);
  assert.equal(state.nodes.get('n2')!.alloc[1], 0);
  assert.equal(state.migrationHolds.size, 0);
});
