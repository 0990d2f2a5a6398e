import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JobProcess, whichSync, withTail, EXIT_NOT_FOUND } from './job-process.ts';

function run(command: string[], extra: { memLimitMiB?: number } = {}): Promise<{ code: number; reason: string | undefined; lines: string[] }> {
  return new Promise((resolve) => {
    const lines: string[] = [];
    const p = new JobProcess({ jobId: 'j', command, env: { FOO: 'bar' }, ...extra }, {
      onLine: (s, l) => lines.push(`${s}:${l}`),
      onExit: (code, reason) => { clearInterval(t); resolve({ code, reason, lines }); },
    });
    const t = setInterval(() => p.sample(Date.now()), 50);
    p.start();
  });
}

test('whichSync finds executables on PATH and rejects missing ones', () => {
  assert.ok(whichSync('node', process.env.PATH)?.endsWith('/node'));
  assert.equal(whichSync('no-such-command-fw-unit', process.env.PATH), undefined);
});

test('withTail appends the last lines and stays within 1000 characters', () => {
  assert.equal(withTail('exit code 1', ['a', 'b']), 'exit code 1; last lines:\na\nb');
  const long = withTail('exit code 1', Array.from({ length: 50 }, (_, i) => `line ${i} ${'x'.repeat(60)}`));
  assert.ok(long.length <= 1000);
  assert.match(long, /line 49 x+$/, 'the newest line is kept');
});

test('a job gets its env, its lines split by stream, and its exit code; a crash carries its last lines', async () => {
  const ok = await run([process.execPath, '-e', "console.log(process.env.FOO); console.error('warn')"]);
  assert.equal(ok.code, 0);
  assert.equal(ok.reason, undefined);
  assert.deepEqual(ok.lines.sort(), ['stderr:warn', 'stdout:bar']);
  const bad = await run([process.execPath, '-e', "console.log('before'); process.exit(4)"]);
  assert.equal(bad.code, 4);
  assert.match(bad.reason!, /^exit code 4; last lines:\nbefore$/);
});

test('a missing command exits 127 with a clear reason; a memory hog is killed with the limit in the reason', async () => {
  const missing = await run(['no-such-command-fw-unit']);
  assert.equal(missing.code, EXIT_NOT_FOUND);
  assert.match(missing.reason!, /command not found/);
  const hog = await run([process.execPath, '-e', 'const a=[]; setInterval(()=>a.push(Buffer.alloc(16*2**20,1)),20)'], { memLimitMiB: 100 });
  assert.equal(hog.code, 137);
  assert.match(hog.reason!, /^memory limit exceeded: RSS \d+ MiB > limit 100 MiB/);
});
