// Fault 2: `kill -9` of a node agent mid-training. A real TF.js example job (MLP on Fashion-MNIST) checkpoints every
// N steps to disk; the agent dies; the coordinator declares the node lost, requeues the job, and it resumes on another
// agent from its last checkpoint. Two ways to lose it:
// - the agent process alone is killed: the job notices its agent is gone (socket EOF / parent pid, src/sdk/
//   parent-watch.ts), checkpoints and exits on its own, so nothing runs orphaned and (almost) nothing is lost;
// - the whole host is lost: the agent and its job process group die together, and at most one checkpoint interval of
//   progress may be lost.
// Progress lost is measured exactly: the job is frozen (SIGSTOP) before the kill, so every progress line it printed
// reaches the coordinator, and the step it had reached is known. A /proc watcher checks it never ran twice at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { TestCluster, mlpCommand } from '../e2e/cluster.ts';
import { processTree } from '../../src/agent/proc-stats.ts';
import { DoubleRunWatcher, figures, markedProcesses, newRunId, RUN_MARKER, sleep } from './harness.ts';

const CHECKPOINT_EVERY = 4;
const TRAIN_ITEMS = 2000;
// 192 steps, throttled to >= 25 ms each (mlpCommand): 4.8 s or more on any machine. The freeze comes up to ~1 s after
// the job printed step 10 (a heartbeat's log push, a poll), so the job is always still training then; at 64
// unthrottled steps a fast machine could finish first, leaving no job process to freeze.
const EPOCHS = 6;
const BATCH = 64;
// Long enough that a heartbeat delayed by training on a loaded 2-core box is not mistaken for a lost node.
const NODE_TIMEOUT_MS = 4000;

for (const mode of ['agent', 'host'] as const) {
  const what = mode === 'agent' ? 'kill -9 of an agent (its job stops by itself)' : 'loss of a host (agent and job killed together)';
  test(`${what} mid-training: the job resumes on another agent from its last checkpoint, losing at most one interval`, { timeout: 240_000 }, async (t) => {
    const runId = newRunId();
    const c = await TestCluster.start({ nodeTimeoutMs: NODE_TIMEOUT_MS });
    const watcher = new DoubleRunWatcher(runId).start();
    try {
      const a = await c.addAgent('a', { cpus: 1, memoryMiB: 1500 });
      await c.tenant('acme');
      const ck = join(c.dir, 'ck');
      const id = await c.submit('acme', {
        name: 'long', cpu: 1, memoryMiB: 1200, env: { [RUN_MARKER]: runId },
        command: mlpCommand({ trainLimit: TRAIN_ITEMS, epochs: EPOCHS, checkpointDir: ck, checkpointEvery: CHECKPOINT_EVERY }),
      });
      // Kill somewhere past the second checkpoint, not on a checkpoint boundary on purpose (whatever step it is).
      const maxStep = async (): Promise<number> => Math.max(0, ...(await c.progress(id)).filter((p) => p.type === 'progress').map((p) => p.step as number));
      await c.waitFor('two checkpoints and a few steps more', async () => {
        const p = await c.progress(id);
        return p.filter((x) => x.type === 'checkpoint').length >= 2 && (await maxStep()) >= 2 * CHECKPOINT_EVERY + 2;
      }, 180_000);

      // Freeze the job and let the agent forward what it printed.
      const [proc] = markedProcesses(runId);
      assert.ok(proc, 'the job process is running');
      process.kill(-proc.pgid, 'SIGSTOP');
      let stepAtKill = await maxStep();
      for (let i = 0; i < 10; i++) {
        await sleep(300);
        const s = await maxStep();
        if (s === stepAtKill && i >= 3) break;
        stepAtKill = s;
      }
      const lastCheckpointLine = (await c.progress(id)).filter((p) => p.type === 'checkpoint').at(-1)!;
      const killedAt = Date.now();
      if (mode === 'agent') {
        // Only the agent dies; the job, thawed, finds its agent gone and stops by itself.
        process.kill(a.pid!, 'SIGKILL');
        process.kill(-proc.pgid, 'SIGCONT');
      } else {
        for (const pid of processTree(a.pid!)) process.kill(pid, 'SIGKILL');
        process.kill(-proc.pgid, 'SIGKILL');
      }
      let orphanGoneAfterMs: number | undefined;
      const orphanWatch = (async () => {
        while (markedProcesses(runId).some((p) => p.pgid === proc.pgid)) await sleep(50);
        orphanGoneAfterMs = Date.now() - killedAt;
      })();
      await c.addAgent('b', { cpus: 1, memoryMiB: 1500 });
      const done = await c.waitForState(id, ['succeeded', 'failed'], 180_000);
      await orphanWatch;
      assert.equal(done.state, 'succeeded', (await c.logs(id)).slice(-5).join('\n'));
      assert.deepEqual(done.nodeIds, ['b']);

      const events = await c.events(id);
      const requeued = events.find((e) => e.type === 'preempted');
      assert.equal((requeued?.data.reason as { code?: string } | undefined)?.code, 'node-lost');
      assert.deepEqual(requeued?.data.nodeIds, ['a']);
      const nodes = (await c.api('GET', '/v1/nodes')) as { nodes: { id: string; status: string }[] };
      assert.equal(nodes.nodes.find((n) => n.id === 'a')!.status, 'down');

      const progress = await c.progress(id);
      const restartAt = progress.findIndex((p) => p.type === 'restore');
      assert.ok(restartAt >= 0, 'the job restored a checkpoint on b');
      const restoredStep = progress[restartAt]!.step as number;
      if (mode === 'host') assert.equal(restoredStep % CHECKPOINT_EVERY, 0, 'it restored a checkpoint on the interval grid');
      assert.ok(restoredStep >= (lastCheckpointLine.step as number), `restored ${restoredStep}, last checkpoint reported ${lastCheckpointLine.step as number}`);
      if (mode === 'host') assert.ok(restoredStep <= stepAtKill, 'nothing is restored from the future');
      // The orphaned job, thawed, finishes the step it was in before it sees the stop, then checkpoints it: nothing lost.
      else assert.ok(restoredStep >= stepAtKill, `the orphan checkpointed where it stopped (step ${stepAtKill}), restored ${restoredStep}`);
      const lostSteps = Math.max(0, stepAtKill - restoredStep);
      assert.ok(lostSteps <= CHECKPOINT_EVERY, `lost ${lostSteps} steps, more than one checkpoint interval (${CHECKPOINT_EVERY})`);
      const firstAfter = progress.slice(restartAt).find((p) => p.type === 'progress');
      assert.equal(firstAfter?.step, restoredStep + 1, 'training continues right after the restored step');
      const doneLine = progress.find((p) => p.type === 'done');
      assert.equal(doneLine?.step, Math.ceil(TRAIN_ITEMS / BATCH) * EPOCHS);
      watcher.sample();
      assert.deepEqual(watcher.doubles, [], 'the job never ran twice at once');

      const startedOnB = events.filter((e) => e.type === 'started').at(-1)!;
      figures(t, `agent-loss-${mode}`, {
        checkpointEvery: CHECKPOINT_EVERY, stepAtKill, restoredStep, lostSteps, nodeTimeoutMs: NODE_TIMEOUT_MS,
        oldJobProcessGoneAfterMs: orphanGoneAfterMs, requeuedAfterMs: Date.parse(requeued!.at) - killedAt,
        restartedOnOtherAgentAfterMs: Date.parse(startedOnB.at) - killedAt, doubleRuns: watcher.doubles.length,
      });
    } finally {
      watcher.stop();
      await c.close();
      for (const p of markedProcesses(runId)) process.kill(-p.pgid, 'SIGKILL');
    }
  });
}
