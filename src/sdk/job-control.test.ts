import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { JobControl } from './job-control.ts';

test('the first stop reason wins: a SIGTERM reaching a job already stopping for its lease does not relabel it', () => {
  const c = new JobControl();
  c.requestStop('lease-expired');
  c.requestStop('preempt');
  assert.equal(c.stopRequested, 'lease-expired');
});

test('a stop signal after the job has its outcome is noted and ignored: the process keeps its own exit code, not 143', { timeout: 60_000 }, async () => {
  const controlUrl = new URL('./job-control.ts', import.meta.url).href;
  // A stand-in for a job process past runJobMain: handlers for late stops installed, exit code 75 chosen; it exits
  // when its stdin closes, so it is certainly alive when the signal arrives.
  const code = `const { ignoreLateStopSignals } = await import(${JSON.stringify(controlUrl)});
    ignoreLateStopSignals((sig) => console.log('late ' + sig));
    process.exitCode = 75;
    process.stdin.on('data', () => {}).on('end', () => process.exit());
    console.log('ready');`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['pipe', 'pipe', 'inherit'], cwd: fileURLToPath(new URL('../..', import.meta.url)) });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
  assert.equal((await lines.next()).value, 'ready');
  child.kill('SIGTERM');
  assert.equal((await lines.next()).value, 'late SIGTERM');
  child.kill('SIGUSR2');
  assert.equal((await lines.next()).value, 'late SIGUSR2');
  child.stdin!.end();
  assert.deepEqual(await exited, [75, null]);
});
