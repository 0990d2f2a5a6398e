// Job processes for real (child processes running examples/train-mlp.ts): a job checkpointed in one process and
// restored in another continues from the same step with the same loss trajectory; SIGTERM makes a job checkpoint,
// report and exit with code 75, and the next process resumes from that step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { repoRoot } from '../../src/paths.ts';
// The bundled 10k slice decodes ~4x faster than Debian's full set; these tests use 640 images either way.
import { BUNDLED_FASHION_MNIST_DIR } from '../../src/data/fashion-mnist.ts';
import { JOB_EXIT, type JobProgressEvent } from '../../src/wire/job-progress.ts';
import { JobProcess } from '../../src/sdk/job-process.ts';

interface RunResult { code: number | null; signal: NodeJS.Signals | null; events: readonly JobProgressEvent[]; stderr: string }

const SCRIPT = join(repoRoot, 'examples', 'train-mlp.ts');
// 640 items in batches of 64: 10 steps per epoch, so the runs below cross an epoch boundary (new shuffle).
const COMMON = ['--train-limit', '640', '--test-limit', '200', '--batch-size', '64', '--seed', '11', '--backend', 'wasm', '--progress-every', '1'];

async function runJob(args: string[], onEvent?: (e: JobProgressEvent, job: JobProcess) => void, env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  const invalid: string[] = [];
  const job: JobProcess = new JobProcess({
    command: [process.execPath, '--import', 'tsx', SCRIPT, ...COMMON, ...args], cwd: repoRoot,
    env: { ...process.env, FAIRWAY_FASHION_MNIST_DIR: BUNDLED_FASHION_MNIST_DIR, FAIRWAY_GRID: '', FAIRWAY_JOB_ID: '', ...env },
    onEvent: (e) => onEvent?.(e, job),
    onLog: (line, _stream, why) => { if (why) invalid.push(`${why}: ${line}`); },
  });
  const exit = await job.exited;
  assert.deepEqual(invalid, [], 'every protocol line matches the schema');
  return { code: exit.code, signal: exit.signal, events: exit.events, stderr: exit.stderrTail.join('\n') };
}

const progress = (r: RunResult): Map<number, number> =>
  new Map(r.events.flatMap((e) => (e.type === 'progress' ? [[e.step, e.loss] as [number, number]] : [])));

test('checkpoint → new process → restore: same step, same loss trajectory as an uninterrupted run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-resume-'));
  try {
    const [whole, firstHalf] = await Promise.all([
      runJob(['--job-id', 'whole', '--max-steps', '14', '--checkpoint-dir', dir, '--no-resume']),
      runJob(['--job-id', 'split', '--max-steps', '6', '--checkpoint-dir', dir, '--no-resume']),
    ]);
    assert.equal(whole.code, JOB_EXIT.completed, whole.stderr);
    assert.equal(firstHalf.code, JOB_EXIT.completed, firstHalf.stderr);
    const secondHalf = await runJob(['--job-id', 'split', '--max-steps', '14', '--checkpoint-dir', dir]);
    assert.equal(secondHalf.code, JOB_EXIT.completed, secondHalf.stderr);

    const restore = secondHalf.events.find((e) => e.type === 'restore');
    assert.ok(restore?.type === 'restore', 'the second process restored');
    assert.equal(restore.step, 6);
    const start = secondHalf.events.find((e) => e.type === 'start');
    assert.ok(start?.type === 'start' && start.resumedFromStep === 6);

    const expected = progress(whole);
    const resumed = progress(secondHalf);
    assert.deepEqual([...resumed.keys()], [7, 8, 9, 10, 11, 12, 13, 14]);
    for (const [step, loss] of resumed) {
      // Same weights, optimiser slots, RNG and data order: the float32 computations repeat exactly.
      assert.equal(loss, expected.get(step), `step ${step}: resumed ${loss} vs uninterrupted ${expected.get(step)}`);
    }
    const firstLosses = progress(firstHalf);
    for (let s = 1; s <= 6; s++) assert.equal(firstLosses.get(s), expected.get(s), `step ${s} before the split`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SIGUSR1 → checkpoint and go on; SIGTERM → checkpoint, stopped line, exit 75; the next process resumes from that step', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-sigterm-'));
  try {
    let asked = false;
    let signalled = false;
    const stopped = await runJob(['--job-id', 'pre', '--epochs', '100', '--checkpoint-dir', dir, '--checkpoint-every', '0', '--no-resume'],
      (e, job) => {
        // First a checkpoint on request (SIGUSR1: the job continues), then preemption (SIGTERM).
        if (!asked && e.type === 'progress' && e.step >= 2) {
          asked = true;
          job.requestCheckpoint();
        }
        if (!signalled && e.type === 'checkpoint' && e.reason === 'request') {
          signalled = true;
          job.preempt();
        }
      });
    assert.equal(stopped.code, JOB_EXIT.checkpointedAndStopped, stopped.stderr);
    const line = stopped.events.find((e) => e.type === 'stopped');
    assert.ok(line?.type === 'stopped', 'a stopped line');
    assert.equal(line.reason, 'preempt');
    assert.equal(line.exitCode, JOB_EXIT.checkpointedAndStopped);
    const ckpts = stopped.events.flatMap((e) => (e.type === 'checkpoint' ? [e] : []));
    assert.deepEqual(ckpts.map((c) => c.reason), ['request', 'stop']);
    assert.ok(ckpts[1]!.step === line.step && ckpts[1]!.step > ckpts[0]!.step, 'trained on after the requested checkpoint');
    assert.ok(line.step >= 3 && line.step < 1000, `stopped at step ${line.step}, long before the end`);
    assert.equal(stopped.events.some((e) => e.type === 'done'), false);

    const resumed = await runJob(['--job-id', 'pre', '--epochs', '100', '--max-steps', String(line.step + 2), '--checkpoint-dir', dir]);
    assert.equal(resumed.code, JOB_EXIT.completed, resumed.stderr);
    const restore = resumed.events.find((e) => e.type === 'restore');
    assert.ok(restore?.type === 'restore' && restore.step === line.step && restore.version === line.checkpointVersion);
    assert.deepEqual([...progress(resumed).keys()], [line.step + 1, line.step + 2]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad flags exit with the usage code; a bad environment reports an error line', async () => {
  const r = await runJob(['--batch-size', 'zero']);
  assert.equal(r.code, JOB_EXIT.usage);
  const env = await runJob([], undefined, { FAIRWAY_SEED: 'abc' });
  assert.equal(env.code, JOB_EXIT.usage);
  const err = env.events.find((e) => e.type === 'error');
  assert.ok(err?.type === 'error' && /FAIRWAY_SEED/.test(err.message));
});
