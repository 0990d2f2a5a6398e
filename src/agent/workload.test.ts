import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_WORKLOAD, jobCommand, loadWorkload } from './workload.ts';
import { repoRoot } from '../paths.ts';

test('the default workload is valid: 3+ tenants with different weights and tiers, some deadlines', () => {
  const w = loadWorkload(DEFAULT_WORKLOAD);
  assert.ok(w.tenants.length >= 3);
  assert.equal(new Set(w.tenants.map((t) => t.weight)).size, w.tenants.length);
  assert.equal(new Set(w.tenants.map((t) => t.tier)).size, w.tenants.length);
  assert.ok(w.jobs.some((j) => j.deadlineS !== undefined));
  assert.ok(w.jobs.some((j) => j.example === 'mlp') && w.jobs.some((j) => j.example !== 'mlp'), 'light and heavy jobs');
});

test('a workload naming an unknown tenant or both example and command is rejected with the field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-wl-'));
  const f = join(dir, 'w.yaml');
  writeFileSync(f, 'tenants: [{id: a}]\njobs:\n  - {tenant: b, name: j, example: mlp, cpu: 1, memoryMiB: 100}\n');
  assert.throws(() => loadWorkload(f), /jobs\[0\]\.tenant|unknown tenant 'b'/);
  writeFileSync(f, 'tenants: [{id: a}]\njobs:\n  - {tenant: a, name: j, example: mlp, command: [x], cpu: 1, memoryMiB: 100}\n');
  assert.throws(() => loadWorkload(f), /exactly one of example or command/);
});

test('jobCommand runs the example with its flags', () => {
  const cmd = jobCommand({ tenant: 'a', name: 'j', example: 'cnn', epochs: 2, trainLimit: 500, cpu: 1, memoryMiB: 100, checkpointEvery: 10, submitAtS: 0 }, 'node');
  assert.deepEqual(cmd, ['node', '--import', 'tsx', 'examples/train-cnn.ts', '--epochs', '2', '--train-limit', '500', '--checkpoint-every', '10', '--progress-every', '5']);
});

test('a throttled workload job passes its minimum step time to the example; the tiny workload throttles its drill job', () => {
  const cmd = jobCommand({ tenant: 'a', name: 'j', example: 'mlp', epochs: 1, minStepMs: 25, cpu: 1, memoryMiB: 100, checkpointEvery: 10, submitAtS: 0 }, 'node');
  assert.deepEqual(cmd, ['node', '--import', 'tsx', 'examples/train-mlp.ts', '--epochs', '1', '--min-step-ms', '25', '--checkpoint-every', '10', '--progress-every', '5']);
  // The drill (migrateAfterS) must find its job still training on any machine: its pace is set, not the CPU's.
  const drill = loadWorkload(join(repoRoot, 'examples/workloads/tiny.yaml')).jobs.filter((j) => j.migrateAfterS !== undefined);
  assert.equal(drill.length, 1);
  assert.ok((drill[0]!.minStepMs ?? 0) > 0, 'the drill job is throttled');
});
