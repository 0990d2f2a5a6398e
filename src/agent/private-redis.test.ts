// The private grid server must not outlive its parent, even one killed with SIGKILL (a real redis-server and a real
// parent process).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { whichSync } from './job-process.ts';
import { freePort, waitFor } from '../../test/faults/harness.ts';

const REDIS = whichSync('redis-server');

test('the private redis-server stops when the process that started it is killed with SIGKILL', async () => {
  assert.ok(REDIS, 'redis-server is installed (.ci/run installs it)');
  assert.ok(whichSync('setpriv'), 'setpriv (util-linux) is installed');
  const dir = mkdtempSync(join(tmpdir(), 'fw-private-redis-'));
  const port = await freePort();
  // The parent: starts the server the way `fairway up` does, prints its pid, then waits to be killed.
  const script = `import { spawnPrivateRedis } from ${JSON.stringify(new URL('./private-redis.ts', import.meta.url).href)};
const r = spawnPrivateRedis({ redisServer: ${JSON.stringify(REDIS)}, port: ${port}, dir: ${JSON.stringify(dir)} });
console.log(JSON.stringify({ pid: r.process.pid, diesWithParent: r.diesWithParent }));
setInterval(() => {}, 1000);`;
  const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let redisPid: number | undefined;
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      parent.stdout.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('\n')) resolve(out.split('\n')[0]!); });
      parent.once('exit', (code) => reject(new Error(`parent exited (${code}) before starting the server`)));
    });
    const started = JSON.parse(line) as { pid: number; diesWithParent: boolean };
    redisPid = started.pid;
    assert.equal(started.diesWithParent, true);
    await waitFor('redis-server answers', () => commOf(started.pid) === 'redis-server' && portInUse(port), 20_000, 50);
    parent.kill('SIGKILL');
    await waitFor('redis-server gone after its parent was killed', () => !alive(started.pid), 20_000, 50);
  } finally {
    if (parent.exitCode === null) parent.kill('SIGKILL');
    if (redisPid !== undefined && alive(redisPid)) process.kill(redisPid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

function alive(pid: number): boolean {
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function commOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Whether something listens on 127.0.0.1:port (from /proc/net/tcp: local address, state 0A = LISTEN). */
function portInUse(port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync('/proc/net/tcp', 'utf8').split('\n').some((l) => l.includes(`:${hex} `) && / 0A /.test(l));
}
