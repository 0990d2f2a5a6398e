// Fault 5c: the fence keeper (src/agent/fence-keeper.ts) stops jobs that do NOT use the SDK when their agent cannot:
// - frozen agent (SIGSTOP) while another node has room: the job (a plain `node -e` program that watches nothing) must
//   be gone before the coordinator declares the node lost and starts it on the other node (the /proc watcher, every
//   100 ms, never sees two copies); after SIGCONT the agent reports the fenced exit, rejoins, and the job finishes
//   once, on the other node.
// - agent killed with -9: the job stops at once, without waiting for a restarted agent to reap it.
// The job runs until a file appears, so it is certainly still running when the fault is injected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestCluster } from '../e2e/cluster.ts';
import { DoubleRunWatcher, figures, markedProcesses, newRunId, RUN_MARKER, waitFor } from './harness.ts';

// Lease 2 s, stop grace 1.2 s (lease.ts): the keeper SIGTERMs 2.3 s and SIGKILLs 3.2 s after the last feed.
const NODE_TIMEOUT_MS = 4000;

/**
 * A program without the SDK: ticks until `stopFile` exists, then exits 0. Output errors are ignored (EPIPE once a
 * killed agent's pipe closes), so only a signal stops it early.
 */
function tickerUntil(stopFile: string): string[] {
  return [process.execPath, '-e', `const fs=require('fs'); process.stdout.on('error', () => {}); let i=0; setInterval(()=>{ console.log('tick '+(++i)); if (fs.existsSync(${JSON.stringify(stopFile)})) process.exit(0); }, 200)`];
}

/** The fence keeper an agent started (a child of the agent, in a group of its own). */
function keeperOf(agentPid: number): number | undefined {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === agentPid && readFileSync(`/proc/${name}/cmdline`, 'utf8').includes('fence-keeper.ts')) return Number(name);
    } catch {
      // Gone while we looked: not the keeper we are after.
      continue;
    }
  }
  return undefined;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    // No such process.
    return false;
  }
}

test('a frozen agent\'s job that does not use the SDK is stopped by its fence keeper before the node is declared lost; never two copies; it finishes once, elsewhere', { timeout: 180_000 }, async (t) => {
  const runId = newRunId();
  const c = await TestCluster.start({ nodeTimeoutMs: NODE_TIMEOUT_MS });
  const watcher = new DoubleRunWatcher(runId).start();
  let a: Awaited<ReturnType<TestCluster['addAgent']>> | undefined;
  const stopFile = join(c.dir, 'stop-ticker');
  try {
    a = await c.addAgent('a', { cpus: 1, memoryMiB: 1500 });
    await c.tenant('acme');
    const id = await c.submit('acme', { name: 'ticker', cpu: 1, memoryMiB: 200, env: { [RUN_MARKER]: runId }, command: tickerUntil(stopFile) });
    await c.waitFor('first ticks', async () => (await c.logs(id)).length >= 3);
    // The other node joins only now, so the job is on a; b has room for it.
    await c.addAgent('b', { cpus: 1, memoryMiB: 1500 });
    const [stale] = markedProcesses(runId);
    assert.ok(stale && stale.nodeId === 'a', 'the job runs on a');
    assert.ok(keeperOf(a.pid!) !== undefined, 'agent a started a fence keeper');

    const frozenAt = Date.now();
    process.kill(a.pid!, 'SIGSTOP');
    await waitFor('the stale copy to be stopped', () => !markedProcesses(runId).some((p) => p.pgid === stale.pgid), 60_000, 50, () => c.agentLogs.get('a') ?? '');
    const staleGoneAfterMs = Date.now() - frozenAt;
    // The keeper's line (it shares the agent's stderr, which may reach us a moment after the job is seen gone).
    await waitFor('the keeper\'s line', () => /\[fence-keeper a\] no feed from the agent for \d+ ms \(lease time left \d+ ms\): the agent is frozen; SIGTERM to job process group\(s\) \d+/.test(c.agentLogs.get('a') ?? ''), 15_000, 50, () => c.agentLogs.get('a') ?? '');
    await c.waitFor('the job started on b', async () => (await c.job(id)).nodeIds.includes('b') && (await c.events(id)).filter((e) => e.type === 'started').length >= 2);
    const events = await c.events(id);
    const requeued = events.find((e) => e.type === 'preempted');
    assert.equal((requeued?.data.reason as { code?: string } | undefined)?.code, 'node-lost');
    const startedOnB = events.filter((e) => e.type === 'started').at(-1)!;

    // Awake: a finds its lease expired, reports the exit of the job the keeper stopped, hears it was declared lost
    // and joins again as an empty node. The job runs on, once, on b.
    process.kill(a.pid!, 'SIGCONT');
    await c.waitFor('agent a saw its fenced job exit', async () => /exited 143/.test(c.agentLogs.get('a') ?? ''));
    await c.waitFor('node a ready again', async () => {
      const nodes = (await c.api('GET', '/v1/nodes')) as { nodes: { id: string; status: string }[] };
      return nodes.nodes.find((n) => n.id === 'a')?.status === 'ready';
    });
    assert.deepEqual(markedProcesses(runId).map((p) => p.nodeId), ['b'], 'one copy, on b');
    writeFileSync(stopFile, 'stop');
    const done = await c.waitForState(id, ['succeeded', 'failed'], 60_000);
    assert.equal(done.state, 'succeeded', (await c.logs(id)).slice(-5).join('\n'));
    assert.deepEqual(done.nodeIds, ['b']);
    const types = (await c.events(id)).map((e) => e.type);
    assert.equal(types.filter((e) => e === 'preempted').length, 1, types.join(','));
    assert.equal(types.filter((e) => e === 'started').length, 2, types.join(','));
    watcher.sample();
    assert.deepEqual(watcher.doubles, [], 'the job never ran twice at once');
    figures(t, 'frozen-agent-non-sdk-keeper', {
      nodeTimeoutMs: NODE_TIMEOUT_MS, leaseMs: NODE_TIMEOUT_MS / 2, staleCopyGoneAfterFreezeMs: staleGoneAfterMs,
      declaredLostAfterMs: Date.parse(requeued!.at) - frozenAt, startedOnOtherNodeAfterMs: Date.parse(startedOnB.at) - frozenAt,
      procSamples: watcher.samples, doubleRuns: watcher.doubles.length,
    });
  } finally {
    if (a?.pid !== undefined && a.exitCode === null) process.kill(a.pid, 'SIGCONT');
    watcher.stop();
    await c.close();
    for (const p of markedProcesses(runId)) process.kill(-p.pgid, 'SIGKILL');
  }
});

test('an agent killed with -9: its job that does not use the SDK is stopped by the fence keeper at once (no restarted agent needed), then runs once elsewhere', { timeout: 180_000 }, async (t) => {
  const runId = newRunId();
  const c = await TestCluster.start({ nodeTimeoutMs: NODE_TIMEOUT_MS });
  const watcher = new DoubleRunWatcher(runId).start();
  const stopFile = join(c.dir, 'stop-ticker');
  try {
    const a = await c.addAgent('a', { cpus: 1, memoryMiB: 1500 });
    await c.tenant('acme');
    const id = await c.submit('acme', { name: 'ticker', cpu: 1, memoryMiB: 200, env: { [RUN_MARKER]: runId }, command: tickerUntil(stopFile) });
    await c.waitFor('first ticks', async () => (await c.logs(id)).length >= 3);
    const [orphan] = markedProcesses(runId);
    assert.ok(orphan && orphan.nodeId === 'a');
    const keeper = keeperOf(a.pid!);
    assert.ok(keeper !== undefined, 'agent a started a fence keeper');

    const killedAt = Date.now();
    process.kill(a.pid!, 'SIGKILL');
    await waitFor('the orphaned job to be stopped', () => !markedProcesses(runId).some((p) => p.pgid === orphan.pgid), 60_000, 50, () => c.agentLogs.get('a') ?? '');
    const orphanGoneAfterMs = Date.now() - killedAt;
    await waitFor('the keeper\'s line', () => /\[fence-keeper a\] the agent is gone \(its end of the feed closed\); SIGTERM to job process group\(s\) \d+/.test(c.agentLogs.get('a') ?? ''), 15_000, 50, () => c.agentLogs.get('a') ?? '');
    await waitFor('the keeper to exit', () => !alive(keeper), 60_000, 50);

    await c.addAgent('b', { cpus: 1, memoryMiB: 1500 });
    await c.waitFor('the job started on b', async () => (await c.job(id)).nodeIds.includes('b') && (await c.events(id)).filter((e) => e.type === 'started').length >= 2);
    writeFileSync(stopFile, 'stop');
    const done = await c.waitForState(id, ['succeeded', 'failed'], 60_000);
    assert.equal(done.state, 'succeeded', (await c.logs(id)).slice(-5).join('\n'));
    assert.deepEqual(done.nodeIds, ['b']);
    const events = await c.events(id);
    const requeued = events.find((e) => e.type === 'preempted');
    assert.equal((requeued?.data.reason as { code?: string } | undefined)?.code, 'node-lost');
    watcher.sample();
    assert.deepEqual(watcher.doubles, [], 'the job never ran twice at once');
    figures(t, 'killed-agent-non-sdk-keeper', {
      nodeTimeoutMs: NODE_TIMEOUT_MS, orphanGoneAfterKillMs: orphanGoneAfterMs, declaredLostAfterMs: Date.parse(requeued!.at) - killedAt,
      procSamples: watcher.samples, doubleRuns: watcher.doubles.length,
    });
  } finally {
    watcher.stop();
    await c.close();
    for (const p of markedProcesses(runId)) process.kill(-p.pgid, 'SIGKILL');
  }
});
