import { test } from 'node:test';
import assert from 'node:assert/strict';
import { add, dominantShare, fits, resources, shortfall, validateResources } from './resources.ts';
import { canTransition, transition, validateJobSpec, type JobSpec } from './job.ts';
import { InvalidInputError, InvalidTransitionError } from '../util/errors.ts';

const spec = (over: Partial<JobSpec> = {}): JobSpec => ({
  id: 'j1', tenantId: 't1', request: resources({ cpuMilli: 1000, memMiB: 512 }), gangSize: 1, priorityClass: 'normal',
  submittedAtMs: 0, preemptible: true, migratable: true, kind: 'train', ...over,
});

test('resource arithmetic and fit', () => {
  const a = resources({ cpuMilli: 2000, memMiB: 1024 });
  const b = resources({ cpuMilli: 500, gpuMilli: 1000 });
  assert.deepEqual(add(a, b), { cpuMilli: 2500, gpuMilli: 1000, memMiB: 1024, netMbps: 0 });
  assert.equal(fits(b, a), false);
  assert.deepEqual(shortfall(b, a), ['gpuMilli']);
  // cpu share 2000/8000 = 0.25, mem share 1024/2048 = 0.5 → dominant 0.5
  assert.equal(dominantShare(a, resources({ cpuMilli: 8000, memMiB: 2048 })), 0.5);
});

test('bad resources get a typed error naming the field', () => {
  for (const bad of [{ cpuMilli: -1 }, { memMiB: Number.NaN }, { gpuMilli: 0.5 }, { netMbps: Infinity }]) {
    assert.throws(() => validateResources(resources(bad), 'job.request'), (err: unknown) => {
      assert.ok(err instanceof InvalidInputError);
      assert.match(err.message, new RegExp(`job\\.request\\.${Object.keys(bad)[0]}`));
      return true;
    });
  }
});

test('job state machine allows the life cycle and rejects impossible changes', () => {
  const path = ['pending', 'running', 'checkpointing', 'migrating', 'running', 'preempted', 'pending', 'running', 'succeeded'] as const;
  for (let i = 1; i < path.length; i++) assert.equal(transition('j', path[i - 1]!, path[i]!), path[i]);
  assert.equal(canTransition('succeeded', 'running'), false);
  assert.throws(() => transition('j', 'pending', 'migrating'), InvalidTransitionError);
  assert.throws(() => transition('j', 'cancelled', 'pending'), /cannot go from cancelled to pending/);
});

test('job spec validation names the field', () => {
  assert.doesNotThrow(() => validateJobSpec(spec()));
  assert.throws(() => validateJobSpec(spec({ gangSize: 0 })), /job\.gangSize/);
  assert.throws(() => validateJobSpec(spec({ request: resources() })), /must ask for some resource/);
  assert.throws(() => validateJobSpec(spec({ tenantId: '../etc' })), /job\.tenantId/);
  assert.throws(() => validateJobSpec(spec({ priorityClass: 'urgent' as never })), /priorityClass/);
});
