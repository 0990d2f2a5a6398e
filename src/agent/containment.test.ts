import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Containment, jobPids, parseCpuList, processGroupOf } from './containment.ts';

test('parseCpuList reads the kernel\'s CPU list format', () => {
  assert.deepEqual(parseCpuList('0-3,6'), [0, 1, 2, 3, 6]);
  assert.deepEqual(parseCpuList('5'), [5]);
  assert.deepEqual(parseCpuList('0,2-3\n'), [0, 2, 3]);
});

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
}

test('a job\'s processes include an orphan that left the leader\'s tree but kept its process group', async () => {
  // The leader starts a grandchild in the background and exits: the grandchild is re-parented to init.
  const leader = spawn('sh', ['-c', 'sleep 30 & sleep 30 & echo started'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  const pgid = leader.pid!;
  try {
    await new Promise<void>((resolve) => leader.on('exit', () => resolve()));
    await until(() => jobPids(pgid).length === 2);
    const pids = jobPids(pgid);
    assert.equal(pids.length, 2, 'both sleeps, found through the group');
    for (const p of pids) assert.equal(processGroupOf(p), pgid);
    const c = new Containment({ maxProcesses: 1, memLimitMiB: 100_000 });
    assert.match(c.check(pgid).violation ?? '', /^process limit exceeded: 2 processes > limit 1$/);
    assert.equal(new Containment({ maxProcesses: 2 }).check(pgid).violation, undefined);
  } finally {
    process.kill(-pgid, 'SIGKILL');
  }
});
