import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpuTicks, processTree, rssKiB, treeUsage, RateMeter, netBytes } from './proc-stats.ts';

test('reads this process from /proc: CPU ticks, RSS, and a tree that includes a child', async () => {
  assert.ok((cpuTicks(process.pid) ?? -1) >= 0);
  const rss = rssKiB(process.pid)!;
  // process.memoryUsage().rss is bytes; /proc rounds to pages, so compare loosely (within 50%).
  const expectedKiB = process.memoryUsage().rss / 1024;
  assert.ok(rss > expectedKiB * 0.5 && rss < expectedKiB * 1.5, `${rss} KiB vs ${expectedKiB} KiB`);
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 5000)'], { stdio: 'ignore' });
  try {
    await new Promise((r) => child.once('spawn', r));
    assert.ok(processTree(process.pid).includes(child.pid!));
    const u = treeUsage(process.pid);
    assert.ok(u.pids >= 2 && u.rssKiB > rss);
  } finally {
    child.kill('SIGKILL');
  }
  assert.ok(netBytes() >= 0);
});

test('a process that does not exist reads as undefined, not an error', () => {
  const gone = 2 ** 22 + 12345; // above the default pid_max
  assert.equal(cpuTicks(gone), undefined);
  assert.equal(rssKiB(gone), undefined);
  assert.deepEqual(processTree(gone), [gone]);
  assert.equal(treeUsage(gone).pids, 0);
});

test('RateMeter turns counters into per-second rates and ignores resets', () => {
  const m = new RateMeter();
  assert.equal(m.rate('k', 100, 1000), 0); // first sample: no rate yet
  assert.equal(m.rate('k', 300, 2000), 200); // (300-100) per 1 s
  assert.equal(m.rate('k', 50, 3000), 0); // counter went down (a process exited): no negative rate
  assert.equal(m.rate('k', 150, 3500), 200); // 100 per 0.5 s
});
