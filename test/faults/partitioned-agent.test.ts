// Fault 5: a slow or partitioned agent (SIGSTOP, then SIGCONT), with a real coordinator (HTTP + SQLite), a real
// `fairway agent` process and real job processes. A pause shorter than the node timeout changes nothing; a longer one
// gets the node declared lost and its job requeued, and when the agent wakes up it stops the stale copy before it
// joins again, so the job never runs twice at once — checked on the machine's actual processes (/proc), every 100 ms.
// (Moved here from test/e2e/agent.test.ts and extended.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestCluster } from '../e2e/cluster.ts';
import { DoubleRunWatcher, figures, markedProcesses, newRunId, RUN_MARKER, sleep } from './harness.ts';

// Long enough that a loaded 2-core box never misses it by accident; the short pause stays well inside it.
const NODE_TIMEOUT_MS = 3000;

test('a paused agent: short pause changes nothing; past the timeout its job is requeued, the stale copy stopped, never two at once', { timeout: 180_000 }, async (t) => {
  const runId = newRunId();
  const c = await TestCluster.start({ nodeTimeoutMs: NODE_TIMEOUT_MS });
  const watcher = new DoubleRunWatcher(runId).start();
  try {
    const a = await c.addAgent('a', { cpus: 1, memoryMiB: 1500 });
    await c.tenant('acme');
    const id = await c.submit('acme', {
      name: 'ticker', cpu: 0.5, memoryMiB: 200, env: { [RUN_MARKER]: runId },
      command: [process.execPath, '-e', "let i=0; setInterval(()=>console.log('tick '+(++i)),200)"],
    });
    await c.waitFor('first ticks', async () => (await c.logs(id)).length >= 3);
    const nodeStatus = async (): Promise<string | undefined> =>
      ((await c.api('GET', '/v1/nodes')) as { nodes: { id: string; status: string }[] }).nodes.find((n) => n.id === 'a')?.status;

    // 1. Slow, not lost: paused well inside the agent's lease (half the timeout, counted from its last exchange, up to
    // a heartbeat before the pause). No requeue, no fencing, the same process keeps running.
    const pidBefore = markedProcesses(runId).map((p) => p.pgid);
    assert.equal(pidBefore.length, 1);
    process.kill(a.pid!, 'SIGSTOP');
    await sleep(NODE_TIMEOUT_MS / 6);
    process.kill(a.pid!, 'SIGCONT');
    const ticksAfterShort = (await c.logs(id)).length;
    await c.waitFor('ticks flow again', async () => (await c.logs(id)).length > ticksAfterShort + 3);
    assert.equal(await nodeStatus(), 'ready');
    assert.ok(!(await c.events(id)).some((e) => e.type === 'preempted'), 'a short pause requeues nothing');
    assert.deepEqual(markedProcesses(runId).map((p) => p.pgid), pidBefore, 'the same job process runs on');

    // 2. Partitioned: paused past the timeout. The node is declared lost and the job requeued; on SIGCONT the agent
    // finds its lease expired and stops the stale copy (a program without the SDK cannot fence itself while the agent
    // is frozen: partitioned-agent-lease.test.ts has the SDK case), hears 409, registers again, and the job is
    // launched afresh.
    const stoppedAt = Date.now();
    process.kill(a.pid!, 'SIGSTOP');
    await c.waitFor('node a down', async () => (await nodeStatus()) === 'down');
    const downAfterMs = Date.now() - stoppedAt;
    const job = await c.job(id);
    assert.equal(job.state, 'pending', 'the job is back in the queue, on no node');
    assert.deepEqual(job.nodeIds, []);
    process.kill(a.pid!, 'SIGCONT');
    const contAt = Date.now();
    await c.waitFor('job placed again and started', async () => (await c.events(id)).filter((e) => e.type === 'started').length >= 2);
    const relaunchedAfterMs = Date.now() - contAt;
    await c.waitFor('exactly one process of the job', async () => new Set(markedProcesses(runId).map((p) => p.pgid)).size === 1, 30_000);
    assert.notDeepEqual(markedProcesses(runId).map((p) => p.pgid), pidBefore, 'the stale copy was stopped and a fresh one started');
    const final = await c.job(id);
    assert.equal(final.state, 'running');
    assert.deepEqual(final.nodeIds, ['a'], 'the coordinator books the job on one node');
    const events = (await c.events(id)).map((e) => e.type);
    assert.equal(events.filter((e) => e === 'preempted').length, 1);
    assert.equal(events.filter((e) => e === 'placed').length, 2);
    watcher.sample();
    assert.deepEqual(watcher.doubles, [], 'never two copies of the job at once');
    figures(t, 'partitioned-agent', {
      nodeTimeoutMs: NODE_TIMEOUT_MS, declaredLostAfterMs: downAfterMs, relaunchedAfterContMs: relaunchedAfterMs,
      procSamples: watcher.samples, doubleRuns: watcher.doubles.length,
    });
  } finally {
    watcher.stop();
    await c.close();
  }
});
