import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { spawn } from 'node:child_process';
import { JobControl } from './job-control.ts';
import { leaseWatch, watchParent } from './parent-watch.ts';

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

test('lease watch on an injected clock: each keepalive grants what it names (capped at the lease); none in time expires it', () => {
  let now = 0;
  const why: string[] = [];
  const w = leaseWatch(1000, () => now, (w) => why.push(w));
  try {
    assert.equal(w.deadlineMs, 1000, 'the first lease counts from the start');
    now = 900;
    w.feed('800\n');
    assert.equal(w.deadlineMs, 1700);
    w.feed('5000\n');
    assert.equal(w.deadlineMs, 1900, 'never more than the lease');
    w.feed('70');
    assert.equal(w.deadlineMs, 1900, 'a partial line waits for its end');
    now = 1000;
    w.feed('0\nnot a number\n');
    assert.equal(w.deadlineMs, 1700, 'the split line completes; junk is ignored');
    now = 1699;
    w.feed('');
    assert.deepEqual(why, []);
    now = 1700;
    w.feed('');
    assert.equal(why.length, 1);
    assert.match(why[0]!, /no lease keepalive from the agent for 700 ms \(lease 1000 ms\)/);
    now = 5000;
    w.feed('1000\n');
    assert.equal(why.length, 1, 'it fires once');
  } finally {
    w.stop();
  }
});

test('a job given a lease stops with reason lease-expired when the agent socket stays open but keepalives stop (agent frozen)', async () => {
  const code = `
    import { JobControl } from './src/sdk/job-control.ts';
    import { watchParent } from './src/sdk/parent-watch.ts';
    const c = new JobControl();
    watchParent(c, { fd: 3, pollMs: 60000, leaseMs: 400 });
    const t = setInterval(() => { if (c.stopRequested) { console.log('stop:' + c.stopRequested); clearInterval(t); } }, 10);
    console.log('ready');`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit', 'pipe'] });
  const lifeline = child.stdio[3] as unknown as { write(s: string): void; destroy(): void };
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  // Keepalives while "fresh"; then silence with the socket still open, as a SIGSTOPped agent leaves it.
  for (let i = 0; i < 5; i++) {
    lifeline.write('400\n');
    await new Promise((r) => setTimeout(r, 50));
  }
  const exit = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  lifeline.destroy();
  assert.equal(exit, 0);
  assert.match(out, /stop:lease-expired/);
});
