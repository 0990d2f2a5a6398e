// The dashboard's DOM-free pieces, checked under node: reading sim results, folding progress lines, dominant share.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSimFile, SimFileError } from '../../web/src/sim-file.ts';
import { applyLine, emptyProgress } from '../../web/src/progress.ts';
import { dominantShare } from '../../web/src/measures.ts';

const run = (policy: string, avgJctS: number): Record<string, unknown> => ({ policy, jobs: 3, avgJctS, jainRaw: 0.5 });

test('sim results are read as JSON lines (what `fairway sim --json` prints), a JSON array or { results }', () => {
  const runs = [run('fifo', 10), run('drf', 20)];
  const jsonl = runs.map((r) => JSON.stringify(r)).join('\n') + '\n';
  for (const text of [jsonl, JSON.stringify(runs), JSON.stringify({ results: runs })]) {
    assert.deepEqual(parseSimFile(text).map((r) => [r.policy, r.avgJctS]), [['fifo', 10], ['drf', 20]]);
  }
  assert.deepEqual(parseSimFile(JSON.stringify(run('one', 5))).map((r) => r.policy), ['one']);
});

test('a broken sim file says which line or result is wrong', () => {
  assert.throws(() => parseSimFile(''), SimFileError);
  assert.throws(() => parseSimFile(`${JSON.stringify(run('a', 1))}\n{oops`), /line 2/);
  assert.throws(() => parseSimFile(JSON.stringify([run('a', 1), { policy: 'b' }])), /result 2: not a fairway sim result/);
});

test('progress lines fold into the job view; ordinary output and foreign JSON are ignored', () => {
  const p = emptyProgress();
  const line = (o: Record<string, unknown>): string => JSON.stringify({ fw: 1, jobId: 'j1', atMs: 1, ...o });
  assert.equal(applyLine(p, 'Epoch 1 starting'), false);
  assert.equal(applyLine(p, '{"loss": 1}'), false);
  assert.equal(applyLine(p, line({
    type: 'start', model: 'mlp', backend: 'cpu', dataset: 'd', dataSource: 'generated', dataNote: '', trainItems: 10, testItems: 2,
    epochs: 1, batchSize: 2, stepsPerEpoch: 5, totalSteps: 5, seed: 1, checkpointStore: 'none', resumedFromStep: null,
  })), true);
  assert.equal(p.totalSteps, 5);
  for (const step of [1, 2]) applyLine(p, line({ type: 'progress', step, epoch: 0, totalSteps: 5, loss: 1 / step, accuracy: step / 10, samplesPerS: 100 + step }));
  assert.deepEqual([p.step, p.steps, p.loss, p.accuracy, p.samplesPerS], [2, [1, 2], [1, 0.5], [0.1, 0.2], 102]);
  applyLine(p, line({ type: 'done', step: 5, epoch: 0, loss: 0.1, testLoss: 0.2, testAccuracy: 0.75, samplesPerS: 99, trainingMs: 5 }));
  assert.deepEqual([p.step, p.testAccuracy, p.phase], [5, 0.75, 'done']);
});

test('a progress line met twice (log catch-up and event stream) counts once; older lines are not re-applied', () => {
  const p = emptyProgress();
  const line = (step: number, atMs: number): string => JSON.stringify({ fw: 1, jobId: 'j1', atMs, type: 'progress', step, epoch: 0, totalSteps: 9, loss: 1, accuracy: 0, samplesPerS: 1 });
  // Streamed 3 while the catch-up read was on its way; the read returns 1, 2, 3; then 4 arrives on the stream.
  for (const l of [line(1, 10), line(2, 20), line(3, 30), line(3, 30), line(2, 20), line(4, 40)]) applyLine(p, l);
  assert.deepEqual(p.steps, [1, 2, 3, 4]);
});

test('dominant share is the largest fraction of the cluster over CPU, GPU and memory', () => {
  const total = { cpuMilli: 4000, gpuMilli: 2000, memMiB: 8192, netMbps: 0 };
  // cpu 1000/4000 = 0.25, gpu 1000/2000 = 0.5, mem 1024/8192 = 0.125 → 0.5
  assert.equal(dominantShare({ cpuMilli: 1000, gpuMilli: 1000, memMiB: 1024, netMbps: 0 }, total), 0.5);
  // a cluster without GPUs ignores the GPU dimension instead of dividing by zero
  assert.equal(dominantShare({ cpuMilli: 1000, gpuMilli: 0, memMiB: 4096, netMbps: 0 }, { ...total, gpuMilli: 0 }), 0.5);
  assert.equal(dominantShare(null, total), 0);
});
