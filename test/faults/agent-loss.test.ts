// Fault 2: `kill -9` of a node agent mid-training. A real TF.js example job (MLP on Fashion-MNIST) checkpoints every
// N steps to disk; the machine is lost (the agent and its job process group are SIGKILLed together, as a host loss
// takes both); the coordinator declares the node lost, requeues the job, and it resumes on another agent from its last
// checkpoint. Progress lost is measured exactly: the job is frozen (SIGSTOP) first, so every progress line it printed
// reaches the coordinator before the kill, and the step it had reached is known.
// (Moved here from test/e2e/agent.test.ts and extended with the measurement and the /proc double-run watch.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { TestCluster, mlpCommand } from '../e2e/cluster.ts';
import { processTree } from '../../src/agent/proc-stats.ts';
import { DoubleRunWatcher, figures, markedProcesses, newRunId, RUN_MARKER, sleep } from './harness.ts';

const CHECKPOINT_EVERY = 4;
const TRAIN_ITEMS = 2000;
const EPOCHS = 2;
const BATCH = 64;

test('kill -9 of an agent mid-training: the job resumes on another agent from its last checkpoint, losing at most one interval', { timeout: 240_000 }, async (t) => {
  const runId = newRunId();
  const c = await TestCluster.start({ nodeTimeoutMs: 2500 });
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

    // Freeze the job, let the agent forward what it printed, then lose the host: agent and job die together.
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
    const tree = processTree(a.pid!);
    const killedAt = Date.now();
    for (const pid of tree) process.kill(pid, 'SIGKILL');
    process.kill(-proc.pgid, 'SIGKILL');
    await c.addAgent('b', { cpus: 1, memoryMiB: 1500 });
    const done = await c.waitForState(id, ['succeeded', 'failed'], 180_000);
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
    const restore = progress[restartAt]!;
    const restoredStep = restore.step as number;
    assert.equal(restoredStep % CHECKPOINT_EVERY, 0, 'it restored a checkpoint on the interval grid');
    assert.ok(restoredStep >= (lastCheckpointLine.step as number), `restored ${restoredStep}, last checkpoint reported ${lastCheckpointLine.step as number}`);
    assert.ok(restoredStep <= stepAtKill, 'nothing is restored from the future');
    const lostSteps = stepAtKill - restoredStep;
    assert.ok(lostSteps <= CHECKPOINT_EVERY, `lost ${lostSteps} steps, more than one checkpoint interval (${CHECKPOINT_EVERY})`);
    const firstAfter = progress.slice(restartAt).find((p) => p.type === 'progress');
    assert.equal(firstAfter?.step, restoredStep + 1, 'training continues right after the restored step');
    const doneLine = progress.find((p) => p.type === 'done');
    assert.equal(doneLine?.step, Math.ceil(TRAIN_ITEMS / BATCH) * EPOCHS);
    watcher.sample();
    assert.deepEqual(watcher.doubles, [], 'the job never ran twice at once');

    const startedOnB = events.filter((e) => e.type === 'started').at(-1)!;
    figures(t, 'agent-loss', {
      checkpointEvery: CHECKPOINT_EVERY, stepAtKill, restoredStep, lostSteps, nodeTimeoutMs: 2500,
      requeuedAfterMs: Date.parse(requeued!.at) - killedAt, restartedOnOtherAgentAfterMs: Date.parse(startedOnB.at) - killedAt,
      doubleRuns: watcher.doubles.length,
    });
  } finally {
    watcher.stop();
    await c.close();
    for (const p of markedProcesses(runId)) process.kill(-p.pgid, 'SIGKILL');
  }
});
