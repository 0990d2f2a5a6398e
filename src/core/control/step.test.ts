import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulerHarness } from '../../../test/harness/scheduler-harness.ts';
import { makeJob, makeNode, makeTenant } from '../../../test/harness/builders.ts';
import { explainJob } from './queries.ts';
import { createControlState } from './state.ts';
import { step } from './step.ts';
import { createRng } from '../util/rng.ts';
import { ConflictError, InvalidInputError, NotFoundError } from '../util/errors.ts';
import { exportState } from './export.ts';

const node8 = (id: string) => {
  const n = makeNode(id).gpus(8).build();
  return { id: n.id, capacity: n.capacity, labels: n.labels, status: n.status };
};

test('jobs run to completion on a virtual clock; a full node makes later jobs wait with a reason', () => {
  const h = new SchedulerHarness({ cycleIntervalMs: 1000 });
  h.tenant(makeTenant('a').build()).tenant(makeTenant('b').build()).node(node8('n1'));
  // Six 4-GPU jobs of 10 s on one 8-GPU node: two at a time → starts at 1 s, 12 s, 23 s (cycle 1 s after each exit).
  for (let i = 0; i < 6; i++) h.submit(makeJob(`j${i}`).gpus(4).tenant(i % 2 ? 'a' : 'b').duration(10_000).build(), i * 100);
  h.run(15_000);
  assert.deepEqual(h.launched().map((l) => l.atMs), [1000, 1000, 12_000, 12_000]);
  const why = explainJob(h.state, 'j5', h.now);
  assert.equal(why.state, 'pending');
  assert.equal(why.reasons[0]?.plugin, 'fit');
  assert.equal(why.reasons[0]?.dimension, 'gpuMilli');
  // Two running jobs end at 22 s and free 8 GPUs: enough for both remaining jobs.
  assert.equal(why.estimatedStartMs, 22_000);
  h.run();
  assert.equal(h.launched().length, 6);
  assert.ok([...h.state.jobs.values()].every((j) => j.state === 'succeeded'));
  assert.ok(h.state.nodes.get('n1')!.alloc.every((x) => x === 0), 'allocations all returned');
});

test('bad events get typed errors and leave the state unchanged', () => {
  const s = createControlState();
  const rng = createRng(1);
  step(s, { type: 'TenantUpserted', atMs: 0, tenant: makeTenant('a').build() }, 0, rng);
  const before = JSON.stringify(exportState(s));
  assert.throws(() => step(s, { type: 'JobSubmitted', atMs: 0, job: makeJob('x').tenant('nobody').build() }, 0, rng), NotFoundError);
  assert.throws(() => step(s, { type: 'JobSubmitted', atMs: 0, job: makeJob('y').request({ cpuMilli: -1 }).build() }, 0, rng), InvalidInputError);
  assert.throws(() => step(s, { type: 'JobSubmitted', atMs: 0, job: makeJob('z').request({ memMiB: Number.NaN }).build() }, 0, rng), /memMiB/);
  assert.equal(JSON.stringify(exportState(s)), before);
  step(s, { type: 'JobSubmitted', atMs: 0, job: makeJob('dup').build() }, 0, rng);
  assert.throws(() => step(s, { type: 'JobSubmitted', atMs: 0, job: makeJob('dup').build() }, 0, rng), ConflictError);
});
