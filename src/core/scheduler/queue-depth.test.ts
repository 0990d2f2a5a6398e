import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SchedulerHarness } from '../../../test/harness/scheduler-harness.ts';
import { makeJob, makeNode, makeSnapshot, makeTenant } from '../../../test/harness/builders.ts';
import { explainJob } from '../control/queries.ts';
import { createControlState } from '../control/state.ts';
import { createRng } from '../util/rng.ts';
import { InvalidInputError } from '../util/errors.ts';
import { ProfileError } from './profile-error.ts';
import { BUILTIN_PROFILES, resolveProfile } from './profiles.ts';
import { runCycle } from './schedule.ts';
import type { PendingJob } from './snapshot.ts';

const tenants = [makeTenant('a').build(), makeTenant('b').build()];

test('a cycle considers only the first queueDepth jobs of the queue order; the rest are counted, not postponed', () => {
  // One 4-GPU node, ten 1-GPU jobs: unbounded, four are placed and six postponed; at depth 3 the first three in
  // arrival order (fifo-greedy) are placed and the other seven are beyond the depth.
  const snapshot = makeSnapshot({ nodes: [makeNode('n1').gpus(4).build()], tenants });
  const pending: PendingJob[] = [];
  for (let i = 0; i < 10; i++) pending.push(makeJob(`j${i}`).gpus(1).submittedAt(100 - i).pending());
  const all = runCycle(snapshot, pending, resolveProfile('fifo-greedy'), 1000, createRng(1));
  assert.equal(all.plan.placements.length, 4);
  assert.equal(all.plan.postponed.length, 6);
  assert.equal(all.beyondDepth, 0);
  const d3 = runCycle(snapshot, pending, resolveProfile({ ...BUILTIN_PROFILES['fifo-greedy']!, queueDepth: 3 }), 1000, createRng(1));
  // Arrival order: j9 (t = 91) first, then j8, j7.
  assert.deepEqual(d3.plan.placements.map((p) => p.jobId), ['j9', 'j8', 'j7']);
  assert.equal(d3.plan.postponed.length, 0);
  assert.equal(d3.beyondDepth, 7);
});

test('with a queue depth, the considered jobs are the first of the unbounded order (every queue sort)', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('fifo-greedy', 'round-robin', 'fair-share', 'drf', 'tiresias', 'fairway'),
      fc.array(fc.record({ gpus: fc.integer({ min: 1, max: 8 }), tenant: fc.constantFrom('a', 'b'), at: fc.integer({ min: 0, max: 50 }), cls: fc.constantFrom('low', 'normal', 'high') as fc.Arbitrary<'low' | 'normal' | 'high'> }), { minLength: 1, maxLength: 30 }),
      fc.integer({ min: 1, max: 12 }),
      (name, specs, depth) => {
        // A full cluster: nothing is placed, so every considered job is postponed in queue order.
        const snapshot = makeSnapshot({ nodes: [makeNode('n1').gpus(8).allocated({ gpuMilli: 8000 }).build()], tenants });
        const pending = specs.map((s, i) => makeJob(`j${i}`).gpus(s.gpus).tenant(s.tenant).priority(s.cls).submittedAt(s.at).pending());
        const full = runCycle(snapshot, pending, resolveProfile(name), 60_000, createRng(1));
        const cut = runCycle(snapshot, pending, resolveProfile({ ...BUILTIN_PROFILES[name]!, queueDepth: depth }), 60_000, createRng(1));
        assert.deepEqual(cut.plan.postponed.map((p) => p.jobId), full.plan.postponed.slice(0, depth).map((p) => p.jobId));
        assert.equal(cut.beyondDepth, Math.max(0, pending.length - depth));
      },
    ),
    { numRuns: 150 },
  );
});

test('explainJob says "beyond queue depth" for a job the last cycle did not consider, and the job still runs later', () => {
  const h = new SchedulerHarness({ cycleIntervalMs: 1000, profile: 'fifo-greedy', queueDepth: 2 });
  h.tenant(makeTenant('a').build()).node((() => {
    const n = makeNode('n1').gpus(1).build();
    return { id: n.id, capacity: n.capacity, labels: n.labels, status: n.status };
  })());
  for (let i = 0; i < 4; i++) h.submit(makeJob(`j${i}`).gpus(1).tenant('a').duration(10_000).build(), i);
  h.run(1500);
  // Cycle at 1 s: j0 placed, j1 postponed (no GPU left), j2 and j3 beyond the depth of 2.
  assert.equal(explainJob(h.state, 'j1', h.now).reasons[0]?.plugin, 'fit');
  const why = explainJob(h.state, 'j3', h.now);
  assert.equal(why.state, 'pending');
  assert.equal(why.reasons[0]?.code, 'beyond-queue-depth');
  assert.equal(h.state.lastCycle?.beyondDepth, 2);
  h.run();
  assert.equal(h.launched().length, 4, 'every job runs in the end');
});

test('a bad queue depth fails at start-up', () => {
  assert.throws(() => resolveProfile({ ...BUILTIN_PROFILES.fifo!, queueDepth: 0 }), ProfileError);
  assert.throws(() => resolveProfile({ ...BUILTIN_PROFILES.fifo!, queueDepth: 2.5 }), ProfileError);
  assert.throws(() => createControlState({ queueDepth: -1 }), InvalidInputError);
  assert.equal(createControlState({ queueDepth: 500 }).config.profile.queueDepth, 500);
  assert.equal(createControlState().config.profile.queueDepth, Number.POSITIVE_INFINITY);
});
