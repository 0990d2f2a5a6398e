// Job processes for real (child processes running examples/train-mlp.ts): a job checkpointed in one process and
// restored in another continues from the same step with the same loss trajectory; SIGTERM makes a job checkpoint,
// report and exit with code 75, and the next process resumes from that step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { repoRoot } from '../../src/paths.ts';
import { parseProgressLine, JOB_EXIT, type JobProgressEvent } from '../../src/wire/job-progress.ts';

interface RunResult { code: number | null; signal: NodeJS.Signals | null; events: JobProgressEvent[]; stderr: string }

const SCRIPT = join(repoRoot, 'examples', 'train-mlp.ts');
// 640 items in batches of 64: 10 steps per epoch, so the runs below cross an epoch boundary (new shuffle).
const COMMON = ['--train-limit', '640', '--test-limit', '200', '--batch-size', '64', '--seed', '11', '--backend', 'wasm', '--progress-every', '1'];

function runJob(args: string[], onEvent?: (e: JobProgressEvent, child: ReturnType<typeof spawn>) => void): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, ...COMMON, ...args], {
      cwd: repoRoot, env: { ...process.env, FAIRWAY_GRID: '', FAIRWAY_JOB_ID: '' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const events: JobProgressEvent[] = [];
    let stderr = '';
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        const parsed = parseProgressLine(line);
        if (parsed && 'invalid' in parsed) reject(new Error(`malformed progress line: ${parsed.invalid}\n${line}`));
        if (parsed && 'event' in parsed) {
          events.push(parsed.event);
          onEvent?.(parsed.event, child);
        }
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, events, stderr }));
  });
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

test('SIGTERM → checkpoint, stopped line, exit 75; the next process resumes from that step', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-sigterm-'));
  try {
    let signalled = false;
    const stopped = await runJob(['--job-id', 'pre', '--epochs', '100', '--checkpoint-dir', dir, '--checkpoint-every', '0', '--no-resume'],
      (e, child) => {
        if (!signalled && e.type === 'progress' && e.step >= 3) {
          signalled = true;
          child.kill('SIGTERM');
        }
      });
    assert.equal(stopped.code, JOB_EXIT.checkpointedAndStopped, stopped.stderr);
    const line = stopped.events.find((e) => e.type === 'stopped');
    assert.ok(line?.type === 'stopped', 'a stopped line');
    assert.equal(line.reason, 'preempt');
    assert.equal(line.exitCode, JOB_EXIT.checkpointedAndStopped);
    const ckpt = stopped.events.find((e) => e.type === 'checkpoint');
    assert.ok(ckpt?.type === 'checkpoint' && ckpt.reason === 'stop' && ckpt.step === line.step);
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
  const env = await new Promise<RunResult>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], {
      cwd: repoRoot, env: { ...process.env, FAIRWAY_SEED: 'abc' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => { out += c; });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const events = out.split('\n').flatMap((l) => { const p = parseProgressLine(l); return p && 'event' in p ? [p.event] : []; });
      resolve({ code, signal, events, stderr: '' });
    });
  });
  assert.equal(env.code, JOB_EXIT.usage);
  const err = env.events.find((e) => e.type === 'error');
  assert.ok(err?.type === 'error' && /FAIRWAY_SEED/.test(err.message));
});
