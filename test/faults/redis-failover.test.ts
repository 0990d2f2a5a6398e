// Fault 3: a Redis Cluster master stopped (SIGSTOP, as a hung or partitioned host) while checkpoints are being
// written to it. Real redis-servers: 3 masters with a replica each and a 1 s cluster-node-timeout, so the replica
// takes over within seconds. Checked: every save either resolves (and is then restorable) or fails with a typed
// GridUnavailableError after bounded retries — none hangs; no torn checkpoint is ever restored (every restored
// tensor holds exactly the values of the step its manifest names); saves succeed again after the failover; and the
// old master, resumed, rejoins as a replica without bringing old data back. Then the same with a real training job
// process: it trains through a failover without stopping; and when no replica is left, it skips the checkpoints it
// cannot store (a `checkpoint_failed` line) and, restarted after a host loss, restores the last whole checkpoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { repoRoot } from '../../src/paths.ts';
import { Grid } from '../../src/grid/grid.ts';
import { RedisStore } from '../../src/grid/redis-store.ts';
import { GridUnavailableError } from '../../src/grid/errors.ts';
import { listCheckpoints, loadCheckpoint, saveCheckpoint } from '../../src/grid/checkpoints.ts';
import { tensor } from '../../src/grid/tensor.ts';
import { exited, figures, sleep, waitFor } from './harness.ts';
import { cli, FailoverCluster } from './redis-cluster.ts';
import { TEST_MIN_STEP_MS } from '../e2e/cluster.ts';

const TENANT = 'acme';
const JOB = 'job-1';
const FLOATS = 256 * 1024; // 1 MiB of weights, in 8 chunks of 128 KiB: a save is several writes
const HANG_GUARD_MS = 60_000;

interface Outcome { step: number; ok: boolean; ms: number; startedAt: number; error?: unknown }

function weights(step: number): Float32Array {
  return new Float32Array(FLOATS).fill(step);
}

/** Restores the committed checkpoint and checks that it is whole: every value equals the step it claims. */
/** Waits until the tenant's slot is served by a master other than the stopped `master`. */
function replicaPromoted(cluster: FailoverCluster, master: number): Promise<void> {
  return waitFor('a replica promoted', () => {
    try {
      return cluster.masterOf(`fw:{${TENANT}}:meta`, [master]) !== master;
    } catch {
      // No live master for the slot yet: the election is still running.
      return false;
    }
  }, 60_000, 100);
}

async function restoreAndCheck(grid: Grid): Promise<number> {
  const c = await loadCheckpoint(grid.namespace(TENANT), JOB);
  const w = c.tensors.w!.data as Float32Array;
  assert.equal(w.length, FLOATS);
  assert.ok(w.every((x) => x === c.step), `checkpoint of step ${c.step} holds other steps' values: torn`);
  assert.equal(c.state.step, c.step);
  return c.step;
}

test('a Redis Cluster master stopped during checkpoint writes: typed bounded errors, no torn checkpoint, saves resume after failover', { timeout: 240_000 }, async (t) => {
  const cluster = await FailoverCluster.start(1000);
  let grid: Grid | undefined;
  let stopped: number | undefined;
  try {
    grid = new Grid(await RedisStore.connect(cluster.url));
    const ns = grid.namespace(TENANT);
    const outcomes: Outcome[] = [];
    let running = true;
    let step = 0;
    const saver = (async () => {
      while (running) {
        step++;
        const s = step;
        const startedAt = Date.now();
        const save = saveCheckpoint(ns, JOB, { step: s, tensors: { w: tensor(weights(s), [FLOATS]) }, state: { step: s } }, { nowMs: startedAt, chunkBytes: 128 * 1024 });
        let guard: NodeJS.Timeout | undefined;
        try {
          await Promise.race([save, new Promise((_, reject) => { guard = setTimeout(() => reject(new Error(`save of step ${s} hung for ${HANG_GUARD_MS} ms`)), HANG_GUARD_MS); })]);
          outcomes.push({ step: s, ok: true, ms: Date.now() - startedAt, startedAt });
        } catch (error) {
          outcomes.push({ step: s, ok: false, ms: Date.now() - startedAt, startedAt, error });
          if (error instanceof Error && /hung/.test(error.message)) { running = false; return; }
        } finally {
          clearTimeout(guard);
        }
      }
    })();
    await waitFor('three saves', () => outcomes.filter((o) => o.ok).length >= 3 || !running, 60_000, 20);
    // Saves go on meanwhile: the restore must give a whole checkpoint no older than the last acknowledged save, and may
    // already see the one in flight (its pointer is stored before its acknowledgement is read) — never a later one.
    const ackedBefore = outcomes.filter((o) => o.ok).at(-1)!.step;
    const restored = await restoreAndCheck(grid);
    assert.ok(restored >= ackedBefore && restored <= step, `restored step ${restored}: last acknowledged ${ackedBefore}, newest started ${step}`);

    // Stop the master that holds this tenant's slot, in the middle of the stream of saves.
    const master = cluster.masterOf(`fw:{${TENANT}}:meta`);
    stopped = master;
    const stoppedAt = Date.now();
    const okBefore = outcomes.filter((o) => o.ok).length;
    cluster.signal(master, 'SIGSTOP');
    await replicaPromoted(cluster, master);
    const failoverMs = Date.now() - stoppedAt;
    await waitFor('three saves after the failover', () => outcomes.filter((o) => o.ok && o.startedAt > stoppedAt + failoverMs).length >= 3 || !running, 120_000, 50);
    running = false;
    await saver;

    const failed = outcomes.filter((o) => !o.ok);
    for (const f of failed) {
      assert.ok(f.error instanceof GridUnavailableError, `a failed save is a typed GridUnavailableError, got ${String(f.error)}`);
      assert.ok(f.error.attempts >= 1);
    }
    const lastOk = outcomes.filter((o) => o.ok).at(-1)!;
    assert.ok(lastOk.startedAt > stoppedAt, 'saves succeed again after the failover');
    // The committed checkpoint is the last acknowledged one, and whole.
    assert.equal(await restoreAndCheck(grid), lastOk.step);
    for (const v of await listCheckpoints(ns, JOB)) {
      const c = await loadCheckpoint(ns, JOB, v);
      assert.ok((c.tensors.w!.data as Float32Array).every((x) => x === c.step), `version ${v} is torn`);
    }

    // The old master comes back: it rejoins as a replica of the new one, and the checkpoint stays the new one.
    cluster.signal(master, 'SIGCONT');
    stopped = undefined;
    await waitFor('old master rejoined as a replica', () => cluster.nodes().some((n) => n.port === master && n.role === 'slave' && !n.failed), 60_000, 200);
    await sleep(200);
    assert.equal(await restoreAndCheck(grid), lastOk.step);
    const stalls = outcomes.filter((o) => o.startedAt >= stoppedAt - 1000);
    figures(t, 'redis-failover', {
      clusterNodeTimeoutMs: 1000, savesBefore: okBefore, saves: outcomes.length, failedSaves: failed.length,
      failoverMs, longestSaveDuringFailoverMs: Math.max(...stalls.map((o) => o.ms)), tornRestores: 0,
      restoredStep: lastOk.step,
    });
  } finally {
    if (stopped !== undefined) cluster.signal(stopped, 'SIGCONT');
    await grid?.close();
    await cluster.stop();
  }
});

/**
 * A real example training job (MLP on Fashion-MNIST) with its checkpoints in the Cluster, as a child process. Its 64
 * steps are throttled (>= TEST_MIN_STEP_MS each, 1.6 s or more): the masters are stopped a poll and two redis-cli calls
 * after its second checkpoint, and a fast machine must not have finished it by then.
 */
class JobRun {
  readonly lines: Record<string, unknown>[] = [];
  stderr = '';
  readonly child: ChildProcess;
  constructor(url: string, jobId: string) {
    this.child = spawn(process.execPath, ['--import', 'tsx', 'examples/train-mlp.ts', '--grid', url, '--tenant', TENANT, '--job-id', jobId,
      '--epochs', '2', '--train-limit', '2000', '--test-limit', '100', '--checkpoint-every', String(JOB_CHECKPOINT_EVERY), '--progress-every', '1',
      '--min-step-ms', String(TEST_MIN_STEP_MS)], {
      cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FAIRWAY_GRID: url },
    });
    createInterface({ input: this.child.stdout! }).on('line', (l) => { if (l.startsWith('{')) this.lines.push(JSON.parse(l) as Record<string, unknown>); });
    this.child.stderr!.on('data', (d: Buffer) => { this.stderr += d.toString(); });
  }
  of(type: string): Record<string, unknown>[] {
    return this.lines.filter((l) => l.type === type);
  }
  async exitCode(): Promise<number | null> {
    await exited(this.child);
    return this.child.exitCode;
  }
}

const JOB_CHECKPOINT_EVERY = 2;
const JOB_STEPS = Math.ceil(2000 / 64) * 2;

test('a training job checkpointing to the Cluster rides through a failover; with no replica left it skips checkpoints and a restart falls back to the last whole one', { timeout: 300_000 }, async (t) => {
  const cluster = await FailoverCluster.start(1000);
  const jobs: JobRun[] = [];
  const stopped = new Set<number>();
  const grid = new Grid(await RedisStore.connect(cluster.url));
  try {
    // 1. Failover in the middle of the run: the job never stops training and finishes with a whole last checkpoint.
    const a = new JobRun(cluster.url, 'ride');
    jobs.push(a);
    await waitFor('two checkpoints', () => a.of('checkpoint').length >= 2 || a.child.exitCode !== null, 180_000, 50);
    const master = cluster.masterOf(`fw:{${TENANT}}:meta`);
    stopped.add(master);
    cluster.signal(master, 'SIGSTOP');
    const stoppedAtLine = a.lines.length;
    await replicaPromoted(cluster, master);
    assert.equal(await a.exitCode(), 0, a.stderr.slice(-2000));
    cluster.signal(master, 'SIGCONT');
    stopped.delete(master);
    const steps = a.of('progress').map((p) => p.step as number);
    assert.deepEqual(steps, Array.from({ length: JOB_STEPS }, (_, i) => i + 1), 'every step trained exactly once, no restart');
    assert.ok(a.lines.slice(stoppedAtLine).some((l) => l.type === 'checkpoint'), 'checkpoints are stored again after the failover');
    for (const f of a.of('checkpoint_failed')) assert.equal(f.code, 'grid_unavailable');
    const ride = await loadCheckpoint(grid.namespace(TENANT), 'ride');
    assert.equal(ride.step, JOB_STEPS, 'the final checkpoint is the committed one');

    // 2. The tenant's master and its replica both stop: no failover is possible. Checkpoints fail with a typed error
    //    after bounded retries and are skipped; the job trains on. The host is then lost (kill -9); when Redis is
    //    back, the job started again restores the last whole checkpoint, the one the failure line names.
    await waitFor('cluster healthy again', () => cluster.nodes().every((n) => !n.failed), 60_000, 200);
    const m2 = cluster.masterOf(`fw:{${TENANT}}:meta`);
    const masterId = cluster.nodes().find((n) => n.port === m2)!.id;
    const replicas = cluster.nodes().filter((n) => n.masterId === masterId).map((n) => n.port);
    const b = new JobRun(cluster.url, 'fallback');
    jobs.push(b);
    await waitFor('two checkpoints', () => b.of('checkpoint').length >= 2 || b.child.exitCode !== null, 180_000, 50);
    const outageAt = Date.now();
    for (const p of [m2, ...replicas]) { stopped.add(p); cluster.signal(p, 'SIGSTOP'); }
    await waitFor('a checkpoint reported failed', () => b.of('checkpoint_failed').length >= 1 || b.child.exitCode !== null, 120_000, 50);
    const failedAfterMs = Date.now() - outageAt;
    const failure = b.of('checkpoint_failed')[0]!;
    assert.equal(failure.code, 'grid_unavailable');
    assert.match(failure.message as string, /failed after \d+ attempt/);
    const lastStored = b.of('checkpoint').at(-1)!;
    assert.equal(failure.fallbackStep, lastStored.step, 'the failure names the checkpoint still committed');
    const stepAtFailure = failure.step as number;
    await waitFor('training goes on after the failed checkpoint', () => b.of('progress').some((p) => (p.step as number) > stepAtFailure) || b.child.exitCode !== null, 60_000, 50);
    assert.equal(b.child.exitCode, null, `the job is still running: ${b.stderr.slice(-1000)}`);
    b.child.kill('SIGKILL');
    await exited(b.child);
    for (const p of stopped) cluster.signal(p, 'SIGCONT');
    stopped.clear();
    await waitFor('cluster_state ok', () => cluster.nodes().every((n) => !n.failed) && /cluster_state:ok/.test(cli(m2, 'cluster', 'info')), 60_000, 200);
    const c = new JobRun(cluster.url, 'fallback');
    jobs.push(c);
    assert.equal(await c.exitCode(), 0, c.stderr.slice(-2000));
    const restore = c.of('restore')[0];
    assert.ok(restore, 'the restarted job restored a checkpoint');
    assert.ok((restore.step as number) >= (lastStored.step as number), `restored step ${restore.step as number}, last stored ${lastStored.step as number}`);
    assert.ok((restore.step as number) <= stepAtFailure, 'a checkpoint reported failed is not the one restored');
    assert.deepEqual(restore.skipped, [], 'no newer checkpoint was torn or corrupt');
    assert.equal(c.of('progress')[0]!.step, (restore.step as number) + 1);
    figures(t, 'redis-failover-job', {
      checkpointEvery: JOB_CHECKPOINT_EVERY, stepsTrained: JOB_STEPS, failedCheckpointsDuringFailover: a.of('checkpoint_failed').length,
      noReplicaOutage: { checkpointFailedAfterMs: failedAfterMs, fallbackStep: failure.fallbackStep, stepAtFailure, restoredStep: restore.step },
    });
  } finally {
    for (const j of jobs) if (j.child.exitCode === null && j.child.signalCode === null) { j.child.kill('SIGKILL'); await exited(j.child); }
    for (const p of stopped) cluster.signal(p, 'SIGCONT');
    await grid.close();
    await cluster.stop();
  }
});
