import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProgressReporter } from './progress.ts';
import { parseProgressLine, type JobProgressEvent } from '../wire/job-progress.ts';

test('events go to the writer as parseable JSON lines and to listeners; null writer means listeners only', () => {
  const lines: string[] = [];
  const seen: JobProgressEvent[] = [];
  const r = new ProgressReporter('job-7', (l) => lines.push(l), () => 1234).onEvent((e) => seen.push(e));
  r.emit('progress', { step: 5, epoch: 0, totalSteps: 10, loss: 1.25, accuracy: 0.5, samplesPerS: 100 });
  assert.equal(lines.length, 1);
  assert.ok(lines[0]!.endsWith('\n'));
  const parsed = parseProgressLine(lines[0]!);
  assert.ok(parsed && 'event' in parsed && parsed.event.type === 'progress');
  assert.equal(parsed.event.jobId, 'job-7');
  assert.equal(parsed.event.atMs, 1234);
  assert.deepEqual(seen, [parsed.event]);

  // A diverged loss (NaN) is sent as null and still parses.
  r.emit('progress', { step: 6, epoch: 0, totalSteps: 10, loss: NaN, accuracy: 0.5, samplesPerS: Infinity });
  const nan = parseProgressLine(lines[1]!);
  assert.ok(nan && 'event' in nan && nan.event.type === 'progress');
  assert.equal(nan.event.loss, null);
  assert.equal(nan.event.samplesPerS, null);

  const quiet: JobProgressEvent[] = [];
  const original = process.stdout.write;
  let wrote = false;
  process.stdout.write = (() => { wrote = true; return true; }) as typeof process.stdout.write;
  try {
    new ProgressReporter('q', null).onEvent((e) => quiet.push(e)).emit('error', { code: 'x', message: 'm', exitCode: 1 });
  } finally {
    process.stdout.write = original;
  }
  assert.equal(wrote, false);
  assert.equal(quiet.length, 1);
});
