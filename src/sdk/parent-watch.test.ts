import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { spawn } from 'node:child_process';
import { JobControl } from './job-control.ts';
import { watchParent } from './parent-watch.ts';

function fakeProc(ppid: number): { proc: NodeJS.Process; setPpid(p: number): void; stdout: EventEmitter } {
  let current = ppid;
  const stdout = new EventEmitter();
  const proc = { get ppid() { return current; }, stdout, stderr: new EventEmitter() } as unknown as NodeJS.Process;
  return { proc, setPpid: (p) => { current = p; }, stdout };
}

test('a changed parent pid (the agent died, the job was re-parented) is a stop request with reason orphaned', async () => {
  const control = new JobControl();
  const f = fakeProc(4242);
  const why: string[] = [];
  const stop = watchParent(control, { proc: f.proc, pollMs: 5, onOrphaned: (w) => why.push(w) });
  try {
    assert.equal(control.stopRequested, undefined);
    f.setPpid(1);
    while (control.stopRequested === undefined) await new Promise((r) => setTimeout(r, 5));
    assert.equal(control.stopRequested, 'orphaned');
    assert.match(why[0]!, /parent process 4242 is gone/);
  } finally {
    stop();
  }
});

test('EPIPE on stdout is dropped and stops the job; other stream errors still surface', () => {
  const control = new JobControl();
  const f = fakeProc(7);
  const stop = watchParent(control, { proc: f.proc, pollMs: 60_000 });
  try {
    f.stdout.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    assert.equal(control.stopRequested, 'orphaned');
    assert.throws(() => f.stdout.emit('error', Object.assign(new Error('disk'), { code: 'EIO' })), /disk/);
  } finally {
    stop();
  }
});

test('a job process given the agent socket on fd 3 stops when the other end closes (as when the agent is killed)', async () => {
  // The child runs watchParent on fd 3 and prints the stop reason; we close our end as a dying agent's kernel would.
  const code = `
    import { JobControl } from './src/sdk/job-control.ts';
    import { watchParent } from './src/sdk/parent-watch.ts';
    const c = new JobControl();
    watchParent(c, { fd: 3, pollMs: 60000 });
    const t = setInterval(() => { if (c.stopRequested) { console.log('stop:' + c.stopRequested); clearInterval(t); } }, 10);
    console.log('ready');`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit', 'pipe'] });
  let out = '';
  const lifeline = child.stdio[3] as unknown as { destroy(): void };
  await new Promise<void>((resolve) => child.stdout!.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('ready')) resolve(); }));
  lifeline.destroy();
  const exit = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(exit, 0, 'nothing else keeps it alive');
  assert.match(out, /stop:orphaned/);
});
