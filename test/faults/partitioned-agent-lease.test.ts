// Fault 5b: lease fencing (src/agent/lease.ts) — an agent frozen (SIGSTOP) or cut off from the coordinator while
// ANOTHER node has room. The coordinator declares the node lost after its timeout and starts the job on the other
// node at once; the stale copy must be gone before that, or the /proc watcher (every 100 ms) sees two copies.
// - Frozen agent, SDK training job: the agent cannot act, so the job fences itself — its lease keepalives on fd 3
//   stop, it checkpoints and exits (`lease-expired`) — and the job resumes on the other node from that checkpoint.
// - Partitioned agent (a TCP relay between it and the coordinator is cut; the agent stays alive), a program without
//   the SDK: the agent's lease runs out and it stops the job itself, then rejoins when the relay is healed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { repoRoot } from '../../src/paths.ts';
import { TestCluster, mlpCommand } from '../e2e/cluster.ts';
import { DoubleRunWatcher, figures, markedProcesses, newRunId, Processes, FAIRWAY_BIN, RUN_MARKER, waitFor } from './harness.ts';

// Lease 2 s, stop grace 1.2 s (lease.ts): 0.8 s to spare on a loaded 2-core box.
const NODE_TIMEOUT_MS = 4000;
const CHECKPOINT_EVERY = 10;
const TRAIN_ITEMS = 6000;
// Long enough (940 steps, throttled to >= 25 ms each by mlpCommand: 23 s or more on any machine) that the job cannot
// reach its end before it fences itself: a first checkpoint seen, another agent started, then a lease and grace (at
// 282 unthrottled steps it once did, leaving nothing to resume; unthrottled, 940 take ~7 s on a fast machine).
const EPOCHS = 10;
const BATCH = 64;

/** The long SDK job these tests freeze, submitted and trained up to its first checkpoint. */
async function startLongJob(c: TestCluster, runId: string): Promise<string> {
  const id = await c.submit('acme', {
    name: 'long', cpu: 1, memoryMiB: 1200, env: { [RUN_MARKER]: runId },
    command: mlpCommand({ trainLimit: TRAIN_ITEMS, epochs: EPOCHS, checkpointDir: join(c.dir, 'ck'), checkpointEvery: CHECKPOINT_EVERY }),
  });
  await c.waitFor('a first checkpoint', async () => (await c.progress(id)).some((p) => p.type === 'checkpoint'), 180_000);
  return id;
}

test('a frozen agent while another node has room: its SDK job fences itself, never runs twice, resumes elsewhere from its checkpoint', { timeout: 240_000 }, async (t) => {
  const runId = newRunId();
  const c = await TestCluster.start({ nodeTimeoutMs: NODE_TIMEOUT_MS });
  const watcher = new DoubleRunWatcher(runId).start();
  let a: Awaited<ReturnType<TestCluster['addAgent']>> | undefined;
  try {
    a = await c.addAgent('a', { cpus: 1, memoryMiB: 1500 });
    await c.tenant('acme');
    const id = await startLongJob(c, runId);
    // The other node joins only now, so the job is on a; it has room for the job.
    await c.addAgent('b', { cpus: 1, memoryMiB: 1500 });
    const [stale] = markedProcesses(runId);
    assert.ok(stale && stale.nodeId === 'a', 'the job runs on a');
    const lastCheckpoint = (await c.progress(id)).filter((p) => p.type === 'checkpoint').at(-1)!;

    const frozenAt = Date.now();
    process.kill(a.pid!, 'SIGSTOP');
    await waitFor('the stale copy to exit', () => !markedProcesses(runId).some((p) => p.pgid === stale.pgid), 60_000, 50);
    const staleGoneAfterMs = Date.now() - frozenAt;
    await c.waitFor('the job started on b', async () => (await c.job(id)).nodeIds.includes('b') && (await c.events(id)).filter((e) => e.type === 'started').length >= 2);
    process.kill(a.pid!, 'SIGCONT');
    const done = await c.waitForState(id, ['succeeded', 'failed'], 180_000);
    assert.equal(done.state, 'succeeded', (await c.logs(id)).slice(-5).join('\n'));
    assert.deepEqual(done.nodeIds, ['b']);

    const events = await c.events(id);
    const requeued = events.find((e) => e.type === 'preempted');
    assert.equal((requeued?.data.reason as { code?: string } | undefined)?.code, 'node-lost');
    const startedOnB = events.filter((e) => e.type === 'started').at(-1)!;
    const progress = await c.progress(id);
    const restore = progress.find((p) => p.type === 'restore');
    assert.ok(restore, 'the job restored a checkpoint on b');
    const restoredStep = restore.step as number;
    assert.ok(restoredStep >= (lastCheckpoint.step as number), `restored ${restoredStep}, last checkpoint seen before the freeze ${lastCheckpoint.step as number}`);
    const restoreAt = progress.indexOf(restore);
    assert.equal(progress.slice(restoreAt).find((p) => p.type === 'progress')?.step, restoredStep + 1, 'training continues right after the restored step');
    assert.equal(progress.find((p) => p.type === 'done')?.step, Math.ceil(TRAIN_ITEMS / BATCH) * EPOCHS);
    watcher.sample();
    assert.deepEqual(watcher.doubles, [], 'the job never ran twice at once');
    figures(t, 'frozen-agent-lease', {
      nodeTimeoutMs: NODE_TIMEOUT_MS, leaseMs: NODE_TIMEOUT_MS / 2, staleCopyExitedAfterFreezeMs: staleGoneAfterMs,
      declaredLostAfterMs: Date.parse(requeued!.at) - frozenAt, resumedOnOtherNodeAfterMs: Date.parse(startedOnB.at) - frozenAt,
      lastCheckpointBeforeFreeze: lastCheckpoint.step, restoredStep, procSamples: watcher.samples, doubleRuns: watcher.doubles.length,
    });
  } finally {
    if (a?.pid !== undefined && a.exitCode === null) process.kill(a.pid, 'SIGCONT');
    watcher.stop();
    await c.close();
    for (const p of markedProcesses(runId)) process.kill(-p.pgid, 'SIGKILL');
  }
});

test('an agent frozen past its lease but not past the node timeout: its SDK job fences itself and resumes on the same node from its checkpoint, not failed', { timeout: 240_000 }, async (t) => {
  const runId = newRunId();
  const c = await TestCluster.start({ nodeTimeoutMs: NODE_TIMEOUT_MS });
  const watcher = new DoubleRunWatcher(runId).start();
  let a: Awaited<ReturnType<TestCluster['addAgent']>> | undefined;
  try {
    a = await c.addAgent('a', { cpus: 1, memoryMiB: 1500 });
    await c.tenant('acme');
    const id = await startLongJob(c, runId);
    const [stale] = markedProcesses(runId);
    assert.ok(stale);
    // Longer than the 2 s lease (counted from the last exchange, up to a heartbeat earlier), shorter than the 4 s
    // node timeout: the job stops itself, the node is never declared lost.
    const frozenAt = Date.now();
    process.kill(a.pid!, 'SIGSTOP');
    await waitFor('the job to fence itself', () => !markedProcesses(runId).some((p) => p.pgid === stale.pgid), 60_000, 50);
    const fencedAfterMs = Date.now() - frozenAt;
    await new Promise((r) => setTimeout(r, Math.max(0, NODE_TIMEOUT_MS * 0.65 - (Date.now() - frozenAt))));
    process.kill(a.pid!, 'SIGCONT');
    const done = await c.waitForState(id, ['succeeded', 'failed'], 180_000);
    assert.equal(done.state, 'succeeded', (await c.logs(id)).slice(-5).join('\n'));
    assert.deepEqual(done.nodeIds, ['a']);
    const events = (await c.events(id)).map((e) => e.type);
    assert.ok(!events.includes('preempted'), `the node was not declared lost: ${events.join(',')}`);
    assert.ok(events.includes('migrated'), `the fenced job was resumed through a migration to its own node: ${events.join(',')}`);
    const progress = await c.progress(id);
    const stopped = progress.find((p) => p.type === 'stopped');
    assert.equal(stopped?.reason, 'lease-expired');
    const restore = progress.find((p) => p.type === 'restore');
    assert.ok(restore, 'it restored a checkpoint');
    assert.equal(restore.step, stopped!.step, 'from the checkpoint it wrote when it fenced itself: nothing lost');
    assert.equal(progress.find((p) => p.type === 'done')?.step, Math.ceil(TRAIN_ITEMS / BATCH) * EPOCHS);
    watcher.sample();
    assert.deepEqual(watcher.doubles, [], 'the job never ran twice at once');
    figures(t, 'frozen-agent-within-timeout', {
      nodeTimeoutMs: NODE_TIMEOUT_MS, leaseMs: NODE_TIMEOUT_MS / 2, frozenForMs: NODE_TIMEOUT_MS * 0.65, jobFencedAfterMs: fencedAfterMs,
      fencedAtStep: stopped!.step, restoredStep: restore.step, doubleRuns: watcher.doubles.length,
    });
  } finally {
    if (a?.pid !== undefined && a.exitCode === null) process.kill(a.pid, 'SIGCONT');
    watcher.stop();
    await c.close();
    for (const p of markedProcesses(runId)) process.kill(-p.pgid, 'SIGKILL');
  }
});

/** A loopback TCP relay that can be cut (connections black-holed: requests hang, as across a partition) and healed. */
class CuttableRelay {
  private readonly live = new Set<Socket>();
  private readonly held = new Set<Socket>();
  private cut = false;
  private readonly server: Server;
  port = 0;
  private constructor(targetPort: number) {
    this.server = createServer((client) => {
      client.on('error', () => { /* torn down by cut()/heal() */ });
      if (this.cut) { this.held.add(client); return; }
      const upstream = connect(targetPort, '127.0.0.1');
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      this.live.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
    });
  }
  static async start(targetPort: number): Promise<CuttableRelay> {
    const r = new CuttableRelay(targetPort);
    await new Promise<void>((resolve) => r.server.listen(0, '127.0.0.1', resolve));
    r.port = (r.server.address() as AddressInfo).port;
    return r;
  }
  /** Open connections stop passing bytes; new ones are accepted and never answered. */
  partition(): void {
    this.cut = true;
    for (const s of this.live) { s.unpipe(); s.pause(); this.held.add(s); }
    this.live.clear();
  }
  /** Held connections fail (as a partition's TCP timeouts would, eventually); new ones go through again. */
  heal(): void {
    this.cut = false;
    for (const s of this.held) s.destroy();
    this.held.clear();
  }
  async close(): Promise<void> {
    this.heal();
    for (const s of this.live) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

test('a partitioned agent (alive, coordinator unreachable) stops its job when its lease runs out; never two copies; it rejoins after', { timeout: 180_000 }, async (t) => {
  const runId = newRunId();
  const c = await TestCluster.start({ nodeTimeoutMs: NODE_TIMEOUT_MS });
  const relay = await CuttableRelay.start(Number(new URL(c.url).port));
  const procs = new Processes();
  const logs = new Map<string, string>();
  const watcher = new DoubleRunWatcher(runId).start();
  try {
    // Agent a reaches the coordinator only through the relay.
    const a = procs.add(spawn(process.execPath, [FAIRWAY_BIN, 'agent', '--coordinator', `http://127.0.0.1:${relay.port}`, '--join-token', c.joinToken,
      '--name', 'a', '--cpus', '1', '--memory-mib', '1500', '--gpus', '0', '--heartbeat-ms', '500'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] }));
    logs.set('a', '');
    a.stderr!.on('data', (d: Buffer) => logs.set('a', (logs.get('a') ?? '') + d.toString()));
    const nodeStatus = async (n: string): Promise<string | undefined> =>
      ((await c.api('GET', '/v1/nodes')) as { nodes: { id: string; status: string }[] }).nodes.find((x) => x.id === n)?.status;
    await waitFor('node a ready', async () => (await nodeStatus('a')) === 'ready', 60_000, 200, () => logs.get('a') ?? '');
    await c.tenant('acme');
    // A program without the SDK: only the agent can stop it.
    const id = await c.submit('acme', {
      name: 'ticker', cpu: 1, memoryMiB: 200, env: { [RUN_MARKER]: runId },
      command: [process.execPath, '-e', "let i=0; setInterval(()=>console.log('tick '+(++i)),200)"],
    });
    await c.waitFor('first ticks', async () => (await c.logs(id)).length >= 3);
    await c.addAgent('b', { cpus: 1, memoryMiB: 1500 });
    const [stale] = markedProcesses(runId);
    assert.ok(stale && stale.nodeId === 'a', 'the job runs on a');

    const cutAt = Date.now();
    relay.partition();
    await waitFor('the stale copy to exit', () => !markedProcesses(runId).some((p) => p.pgid === stale.pgid), 60_000, 50, () => logs.get('a') ?? '');
    const staleGoneAfterMs = Date.now() - cutAt;
    // The agent says why (its stderr may reach us a moment after the job is seen gone). Under load the fence keeper can
    // signal the job a moment before the agent's own lease check, which then finds it stopping or gone: 1 or 0 jobs.
    await waitFor('the agent\'s lease-expiry line', () => /lease expired: no exchange with the coordinator for \d+ ms \(lease 2000 ms, node timeout 4000 ms\); checkpointing and stopping [01] job/.test(logs.get('a') ?? ''), 15_000, 50, () => logs.get('a') ?? '');
    await c.waitFor('the job started on b', async () => (await c.job(id)).nodeIds.includes('b') && (await c.events(id)).filter((e) => e.type === 'started').length >= 2);
    const events = await c.events(id);
    const requeued = events.find((e) => e.type === 'preempted');
    assert.equal((requeued?.data.reason as { code?: string } | undefined)?.code, 'node-lost');
    const startedOnB = events.filter((e) => e.type === 'started').at(-1)!;

    // Healed: a hears it was declared lost, joins again as an empty node; the job stays on b, once.
    relay.heal();
    await c.waitFor('node a ready again', async () => (await nodeStatus('a')) === 'ready', 60_000);
    const ticksOnB = (await c.logs(id)).length;
    await c.waitFor('ticks flow from b', async () => (await c.logs(id)).length > ticksOnB + 3);
    const job = await c.job(id);
    assert.equal(job.state, 'running');
    assert.deepEqual(job.nodeIds, ['b']);
    assert.deepEqual(markedProcesses(runId).map((p) => p.nodeId), ['b'], 'one copy, on b');
    await waitFor('the agent\'s lease renewed line', () => /lease renewed/.test(logs.get('a') ?? ''), 15_000, 50, () => logs.get('a') ?? '');
    watcher.sample();
    assert.deepEqual(watcher.doubles, [], 'the job never ran twice at once');
    figures(t, 'partitioned-agent-lease', {
      nodeTimeoutMs: NODE_TIMEOUT_MS, leaseMs: NODE_TIMEOUT_MS / 2, staleCopyStoppedAfterCutMs: staleGoneAfterMs,
      declaredLostAfterMs: Date.parse(requeued!.at) - cutAt, restartedOnOtherNodeAfterMs: Date.parse(startedOnB.at) - cutAt,
      procSamples: watcher.samples, doubleRuns: watcher.doubles.length,
    });
  } finally {
    watcher.stop();
    await procs.stopAll(runId);
    await relay.close();
    await c.close();
  }
});
