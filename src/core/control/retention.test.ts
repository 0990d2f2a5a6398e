import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulerHarness } from '../../../test/harness/scheduler-harness.ts';
import { makeJob, makeNode, makeTenant } from '../../../test/harness/builders.ts';
import { createControlState } from './state.ts';
import { InvalidInputError } from '../util/errors.ts';

const node = (id: string, gpus: number) => {
  const n = makeNode(id).gpus(gpus).build();
  return { id: n.id, capacity: n.capacity, labels: n.labels, status: n.status };
};

test('with retainFinishedJobs the state keeps only the most recent finished jobs; running and pending ones stay', () => {
  const h = new SchedulerHarness({ cycleIntervalMs: 100, retainFinishedJobs: 3 });
  h.tenant(makeTenant('a').build()).node(node('n1', 2));
  // Ten 1-GPU jobs of 1 s on 2 GPUs: they finish in pairs at ~1.1 s, 2.2 s, …
  for (let i = 0; i < 10; i++) h.submit(makeJob(`j${i}`).gpus(1).tenant('a').duration(1000).build(), i);
  h.run(3_500);
  const finished = [...h.state.jobs.values()].filter((j) => j.state === 'succeeded').map((j) => j.spec.id);
  // Six have finished by 3.5 s; the three most recent (j3, j4, j5 in finish order) are kept.
  assert.deepEqual(finished.sort(), ['j3', 'j4', 'j5']);
  assert.equal(h.state.finished.size, 3);
  assert.ok(['j6', 'j7', 'j8', 'j9'].every((id) => h.state.jobs.has(id)), 'running and pending jobs are all kept');
  h.run();
  assert.equal(h.launched().length, 10);
  assert.equal(h.state.jobs.size, 3);
});

test('by default every finished job is kept; a bad retention fails at start-up', () => {
  const h = new SchedulerHarness({ cycleIntervalMs: 100 });
  h.tenant(makeTenant('a').build()).node(node('n1', 4));
  for (let i = 0; i < 6; i++) h.submit(makeJob(`j${i}`).gpus(1).tenant('a').duration(500).build(), i);
  h.run();
  assert.equal(h.state.jobs.size, 6);
  assert.throws(() => createControlState({ retainFinishedJobs: -1 }), InvalidInputError);
  assert.throws(() => createControlState({ retainFinishedJobs: 1.5 }), InvalidInputError);
});
