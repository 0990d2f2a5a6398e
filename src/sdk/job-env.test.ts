import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readJobEnv } from './job-env.ts';
import { JobConfigError } from './errors.ts';
import { JobControl } from './job-control.ts';

test('reads the FAIRWAY_* variables and names the malformed ones', () => {
  assert.deepEqual(readJobEnv({}), {});
  assert.deepEqual(readJobEnv({ FAIRWAY_JOB_ID: 'j-1', FAIRWAY_SEED: '42', FAIRWAY_CHECKPOINT_EVERY: '0', FAIRWAY_BACKEND: 'wasm', FAIRWAY_RESUME: 'never' }),
    { jobId: 'j-1', seed: 42, checkpointEvery: 0, backend: 'wasm', resume: 'never' });
  assert.throws(() => readJobEnv({ FAIRWAY_SEED: '-3' }), (err: unknown) => err instanceof JobConfigError && /FAIRWAY_SEED/.test(err.message));
  assert.throws(() => readJobEnv({ FAIRWAY_BACKEND: 'gpu' }), /FAIRWAY_BACKEND/);
  assert.throws(() => readJobEnv({ FAIRWAY_JOB_ID: 'has space' }), /FAIRWAY_JOB_ID/);
});

test('job control: first stop reason wins; a checkpoint request is taken once', () => {
  const c = new JobControl();
  assert.equal(c.stopRequested, undefined);
  c.requestStop('migrate');
  c.requestStop('stop');
  assert.equal(c.stopRequested, 'migrate');
  assert.equal(c.takeCheckpointRequest(), false);
  c.requestCheckpoint();
  assert.equal(c.takeCheckpointRequest(), true);
  assert.equal(c.takeCheckpointRequest(), false);
});
