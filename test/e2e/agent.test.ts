// End to end with real processes: the coordinator (HTTP + SQLite), `fairway agent` processes, real job processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestCluster, mlpCommand } from './cluster.ts';
import { childPids, processTree } from '../../src/agent/proc-stats.ts';
import { repoRoot } from '../../src/paths.ts';

test('an agent registers and runs a real training job to success, forwarding its progress and checkpoints', async () => {
  const c = await TestCluster.start();
  try {
    await c.addAgent('solo', { cpus: 1, memoryMiB: 1500 });
    const nodes = (await c.api('GET', '/v1/nodes')) as { nodes: { id: string; capacity: { cpuMilli: number; memMiB: number } }[] };
    assert.deepEqual(nodes.nodes.map((n) => [n.id, n.capacity.cpuMilli, n.capacity.memMiB]), [['solo', 1000, 1500]]);
    await c.tenant('acme');
    const id = await c.submit('acme', { name: 'mlp', cpu: 1, memoryMiB: 1200, command: mlpCommand({ trainLimit: 256, epochs: 1, checkpointDir: join(c.dir, 'ck') }) });
    const done = await c.waitForState(id, ['succeeded', 'failed']);
    assert.equal(done.state, 'succeeded', (await c.logs(id)).slice(-5).join('\n'));
    assert.equal(done.exitCode, 0);
    assert.deepEqual(done.nodeIds, ['solo']);
    const progress = await c.progress(id);
    const types = new Set(progress.map((p) => p.type));
    for (const t of ['start', 'progress', 'done']) assert.ok(types.has(t), `progress line '${t}' forwarded`);
    const events = (await c.events(id)).map((e) => e.type);
    assert.deepEqual(events.filter((e) => e !== 'checkpointed'), ['submitted', 'placed', 'started', 'succeeded']);
    assert.ok(events.includes('checkpointed'), 'the final checkpoint is reported');
  } finally {
    await c.close();
  }
});

test('a missing or crashing command fails with its exit code and last log lines; another job is unaffected', async () => {
  const c = await TestCluster.start();
  try {
    await c.addAgent('n1', { cpus: 1, memoryMiB: 1500 });
    await c.tenant('acme');
    const good = await c.submit('acme', {
      name: 'steady', cpu: 0.2, memoryMiB: 200,
      command: [process.execPath, '-e', "let i=0; const t=setInterval(()=>{console.log('tick '+(++i)); if(i===15){clearInterval(t)}},100)"],
    });
    const missing = await c.submit('acme', { name: 'missing', cpu: 0.1, memoryMiB: 50, command: ['no-such-command-fw-e2e', '--x'] });
    const crash = await c.submit('acme', {
      name: 'crash', cpu: 0.1, memoryMiB: 200,
      command: [process.execPath, '-e', "console.log('loading'); console.error('fatal: disk on fire'); process.exit(3)"],
    });
    const m = await c.waitForState(missing, ['succeeded', 'failed']);
    assert.equal(m.state, 'failed');
    assert.equal(m.exitCode, 127);
    const mReason = (await c.events(missing)).find((e) => e.type === 'failed')!.data.reason as string;
    assert.match(mReason, /command not found: "no-such-command-fw-e2e"/);

    const x = await c.waitForState(crash, ['succeeded', 'failed']);
    assert.equal(x.state, 'failed');
    assert.equal(x.exitCode, 3);
    const xReason = (await c.events(crash)).find((e) => e.type === 'failed')!.data.reason as string;
    assert.match(xReason, /exit code 3/);
    assert.match(xReason, /fatal: disk on fire/, 'the last log lines travel with the failure');

    const g = await c.waitForState(good, ['succeeded', 'failed']);
    assert.equal(g.state, 'succeeded');
    assert.ok((await c.logs(good)).includes('tick 15'));
  } finally {
    await c.close();
  }
});

test('a job past its memory limit is stopped with that reason', async () => {
  const c = await TestCluster.start();
  try {
    await c.addAgent('n1', { cpus: 1, memoryMiB: 1500 });
    await c.tenant('acme');
    const hog = await c.submit('acme', {
      name: 'hog', cpu: 0.2, memoryMiB: 120,
      // Grows by ~20 MiB every 50 ms up to ~1 GiB, then holds it; the limit is 120 MiB. It never exits by itself (it
      // used to, 2.5 s in, with code 0: an agent whose memory watch was held up that long by a loaded moment saw it
      // succeed instead).
      command: [process.execPath, '-e', "const a=[]; const t=setInterval(()=>{a.push(Buffer.alloc(20*2**20,1)); if(a.length>50){clearInterval(t); setInterval(()=>{},1000)}},50)"],
    });
    const j = await c.waitForState(hog, ['succeeded', 'failed']);
    assert.equal(j.state, 'failed');
    assert.equal(j.exitCode, 137, 'killed with SIGKILL');
    const reason = (await c.events(hog)).find((e) => e.type === 'failed')!.data.reason as string;
    assert.match(reason, /^memory limit exceeded: RSS \d+ MiB > limit 120 MiB/);
  } finally {
    await c.close();
  }
});

test('fairway migrate: the job checkpoints on one agent, stops, and resumes on the other from the same step; its loss curve continues', async () => {
  // A lease (half the node timeout) far longer than the hold below: a job held past its lease fences itself.
  const c = await TestCluster.start({ nodeTimeoutMs: 120_000 });
  try {
    await Promise.all([c.addAgent('a', { cpus: 1, memoryMiB: 1500 }), c.addAgent('b', { cpus: 1, memoryMiB: 1500 })]);
    await c.tenant('acme');
    const ck = join(c.dir, 'ck');
    const id = await c.submit('acme', { name: 'mover', cpu: 1, memoryMiB: 1200, command: mlpCommand({ trainLimit: 6000, epochs: 5, checkpointDir: ck }) });
    await c.waitFor('a few training steps', async () => (await c.progress(id)).filter((p) => p.type === 'progress').length >= 3);
    const [from] = (await c.job(id)).nodeIds;
    // Hold the job (SIGSTOP) while the CLI runs: on a loaded machine its 470 steps can otherwise all be done before the
    // migrate request reaches the agent. It resumes (SIGCONT) only once the agent's migrate signal is pending on it, so
    // the move always happens mid-training, and everything after that runs as it would unheld. Until the hold, the
    // throttle (mlpCommand: >= 25 ms a step, 11 s or more for the run) keeps it training on a fast machine too, while
    // its progress reaches us up to ~1 s late.
    const jobPid = jobLeader(c.agents.get(from!)!.pid!, id);
    process.kill(-jobPid, 'SIGSTOP');
    const to = from === 'a' ? 'b' : 'a';
    // An unknown target is refused with the core's reason, and nothing changes.
    const refused = await cli(c, ['migrate', id, '--to', 'nowhere']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /node 'nowhere' is not registered/);
    const moved = await cli(c, ['migrate', id, '--to', to]);
    assert.equal(moved.code, 0, moved.stderr);
    await c.waitFor('the migrate signal (SIGUSR2) pending on the held job', async () => pendingSignals(jobPid).has(12), 60_000);
    process.kill(-jobPid, 'SIGCONT');
    const done = await c.waitForState(id, ['succeeded', 'failed'], 180_000);
    assert.equal(done.state, 'succeeded', (await c.logs(id)).slice(-5).join('\n'));
    assert.deepEqual(done.nodeIds, [to]);
    const events = await c.events(id);
    const types = events.map((e) => e.type).filter((t) => t !== 'checkpointed');
    assert.deepEqual(types, ['submitted', 'placed', 'started', 'migrating', 'migrated', 'started', 'succeeded']);
    assert.deepEqual(events.find((e) => e.type === 'migrated')!.data.to, [to]);
    assert.deepEqual(events.find((e) => e.type === 'migrating')!.data.from, [from]);

    const progress = await c.progress(id);
    const stopped = progress.find((p) => p.type === 'stopped');
    assert.equal(stopped?.reason, 'migrate');
    const restore = progress.find((p) => p.type === 'restore');
    assert.equal(restore?.step, stopped.step, 'resumed at the step it checkpointed when asked to move');
    // Steps continue one by one from there: no step repeated, none skipped.
    const steps = progress.filter((p) => p.type === 'progress').map((p) => p.step as number);
    const total = Math.ceil(6000 / 64) * 5;
    assert.deepEqual(steps, Array.from({ length: total }, (_, i) => i + 1));
    // The loss curve continues: the steps right after the move are as low as those right before, far below the start.
    const loss = new Map(progress.filter((p) => p.type === 'progress').map((p) => [p.step as number, p.loss as number]));
    const s = stopped.step as number;
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const first = mean([1, 2, 3].map((k) => loss.get(k)!));
    const after = mean([1, 2, 3].map((k) => loss.get(s + k)!).filter((x) => x !== undefined));
    assert.ok(after < first, JSON.stringify({ first, after, s }));
    assert.equal(progress.filter((p) => p.type === 'start').length, 2);
    assert.equal(progress.filter((p) => p.type === 'start').at(-1)!.resumedFromStep, s);
  } finally {
    await c.close();
  }
});

test('kill -9 of the agent alone: its job notices, checkpoints and exits by itself, then resumes on another agent from that checkpoint', async () => {
  // Short enough that the killed agent's node is soon declared lost; long enough that the live agent's lease (half of
  // it) is not outrun by a loaded machine, which would fence the job before the kill and restore it an extra time.
  const c = await TestCluster.start({ nodeTimeoutMs: 8000 });
  try {
    const a = await c.addAgent('a', { cpus: 1, memoryMiB: 1500 });
    await c.tenant('acme');
    // No interval checkpoints: the only checkpoint it can resume from is the one it writes when it finds itself orphaned.
    // It must still be training when its agent dies, which we do up to ~1 s after it printed step 3: its 282 steps are
    // throttled (mlpCommand: >= 25 ms each, 7 s or more), so a fast machine cannot finish them first.
    const id = await c.submit('acme', { name: 'orphan', cpu: 1, memoryMiB: 1200, command: mlpCommand({ trainLimit: 6000, epochs: 3, checkpointDir: join(c.dir, 'ck'), checkpointEvery: 0 }) });
    await c.waitFor('a few training steps', async () => (await c.progress(id)).filter((p) => p.type === 'progress').length >= 3);
    const jobPids = processTree(jobLeader(a.pid!, id));
    process.kill(a.pid!, 'SIGKILL');
    const seenStep = (await c.progress(id)).filter((p) => p.type === 'progress').at(-1)!.step as number;
    await c.waitFor('the orphaned job process exits by itself', async () => jobPids.every((p) => !isAlive(p)), 60_000);
    await c.addAgent('b', { cpus: 1, memoryMiB: 1500 });
    const done = await c.waitForState(id, ['succeeded', 'failed'], 180_000);
    assert.equal(done.state, 'succeeded', (await c.logs(id)).slice(-5).join('\n'));
    assert.deepEqual(done.nodeIds, ['b']);
    const progress = await c.progress(id);
    // The restore of the run on b (the last one): an earlier one, if any, is not what this test is about.
    const restore = progress.findLast((p) => p.type === 'restore');
    assert.ok(restore, 'the job restored the checkpoint its orphaned process wrote');
    assert.ok((restore.step as number) >= seenStep, JSON.stringify({ restore, seenStep }));
    assert.equal(progress.filter((p) => p.type === 'done').length, 1);
  } finally {
    await c.close();
  }
});

test('an agent restarted after kill -9 stops the job its previous run left and re-registers without it: the job is requeued and runs once', async () => {
  // A long heartbeat timeout: only the re-registration can tell the coordinator that the job is gone.
  const c = await TestCluster.start({ nodeTimeoutMs: 120_000 });
  try {
    const a = await c.addAgent('a', { cpus: 1, memoryMiB: 1500 });
    await c.tenant('acme');
    // A program that neither watches its agent nor writes anything: only the pid file can find it.
    const id = await c.submit('acme', { name: 'sleeper', cpu: 0.5, memoryMiB: 200, command: [process.execPath, '-e', 'setInterval(() => {}, 1000)'] });
    await c.waitFor('job started', async () => (await c.events(id)).some((e) => e.type === 'started'));
    const stale = jobLeader(a.pid!, id);
    // The agent's fence keeper would stop the orphan as soon as the agent dies; here both die (as in a host's OOM
    // kill), so only the restarted agent's pid file can find it. Frozen first, the agent cannot start a new keeper.
    const keeper = childPids(a.pid!).find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('fence-keeper'));
    assert.ok(keeper !== undefined, 'the agent runs a fence keeper');
    process.kill(a.pid!, 'SIGSTOP');
    process.kill(keeper, 'SIGKILL');
    process.kill(a.pid!, 'SIGKILL');
    await new Promise((r) => a.once('exit', r));
    assert.ok(isAlive(stale), 'the orphan outlived its agent and keeper (it watches nothing)');
    const a2 = await c.addAgent('a', { cpus: 1, memoryMiB: 1500 });
    await c.waitFor('the stale process is stopped', async () => !isAlive(stale), 30_000);
    assert.match(c.agentLogs.get('a') ?? '', /left running by a previous agent/);
    await c.waitFor('the job is launched again', async () => (await c.events(id)).filter((e) => e.type === 'started').length === 2);
    const requeued = (await c.events(id)).find((e) => e.type === 'preempted');
    assert.equal((requeued?.data.reason as { code?: string } | undefined)?.code, 'node-lost');
    await c.waitFor('exactly one process of the job', async () => jobProcesses(a2.pid!, id) === 1, 30_000);
    assert.equal((await c.job(id)).state, 'running');
  } finally {
    await c.close();
  }
});

test('after a coordinator restart the agent re-registers with its tasks: a running job is re-adopted, not restarted; one the coordinator does not know is stopped', async () => {
  const c = await TestCluster.start();
  try {
    const a = await c.addAgent('a', { cpus: 1, memoryMiB: 1500 });
    await c.tenant('acme');
    const id = await c.submit('acme', {
      name: 'ticker', cpu: 0.5, memoryMiB: 200,
      command: [process.execPath, '-e', "let i=0; setInterval(()=>console.log('tick '+(++i)),200)"],
    });
    await c.waitFor('first ticks', async () => (await c.logs(id)).length >= 3);
    const pid = jobLeader(a.pid!, id);
    await c.restartServer();
    await c.waitFor('job re-adopted', async () => (await c.events(id)).some((e) => e.type === 'readopted'));
    const ticks = (await c.logs(id)).length;
    await c.waitFor('ticks keep arriving', async () => (await c.logs(id)).length > ticks + 3);
    const events = (await c.events(id)).map((e) => e.type);
    assert.equal(events.filter((e) => e === 'started').length, 1, 'not restarted');
    assert.ok(!events.includes('preempted'));
    assert.equal((await c.job(id)).state, 'running');
    assert.ok(isAlive(pid));
    assert.equal(jobProcesses(a.pid!, id), 1);
    // A coordinator that never heard of the job (fresh state): told about it at registration, it has it stopped.
    await c.restartServer({ freshState: true });
    await c.waitFor('the unknown job is stopped', async () => !isAlive(pid), 30_000);
    assert.equal(jobProcesses(a.pid!, id), 0);
  } finally {
    await c.close();
  }
});

test('a job that ends while the coordinator is down is recorded as finished once it is back; its neighbour is re-adopted, nothing runs twice', async () => {
  const c = await TestCluster.start();
  try {
    const a = await c.addAgent('a', { cpus: 1, memoryMiB: 1500 });
    await c.tenant('acme');
    const go = join(c.dir, 'finish-now');
    // Ends (exit 0) only when the test creates the file, so it ends while the coordinator is down on any machine.
    const finisher = await c.submit('acme', {
      name: 'finisher', cpu: 0.4, memoryMiB: 200,
      command: [process.execPath, '-e', `const fs=require('fs'); console.log('waiting'); setInterval(()=>{ if (fs.existsSync(${JSON.stringify(go)})) process.exit(0); },50)`],
    });
    const ticker = await c.submit('acme', {
      name: 'ticker', cpu: 0.4, memoryMiB: 200,
      command: [process.execPath, '-e', "let i=0; setInterval(()=>console.log('tick '+(++i)),200)"],
    });
    await c.waitFor('both running', async () => (await c.logs(finisher)).length >= 1 && (await c.logs(ticker)).length >= 2);
    const finisherPid = jobLeader(a.pid!, finisher);
    const tickerPid = jobLeader(a.pid!, ticker);
    await c.restartServer({
      whileDown: async () => {
        writeFileSync(go, '');
        await c.waitFor('the finisher has exited', async () => !isAlive(finisherPid));
      },
    });
    await c.waitFor('the finisher recorded as succeeded', async () => (await c.job(finisher)).state === 'succeeded');
    await c.waitFor('the ticker re-adopted', async () => (await c.events(ticker)).some((e) => e.type === 'readopted'));
    const fEvents = (await c.events(finisher)).map((e) => e.type);
    assert.equal(fEvents.filter((e) => e === 'started').length, 1, `finisher ran once: ${fEvents.join(',')}`);
    assert.ok(!fEvents.includes('preempted'), `finisher not requeued: ${fEvents.join(',')}`);
    const tEvents = (await c.events(ticker)).map((e) => e.type);
    assert.ok(!tEvents.includes('preempted'), `ticker not requeued: ${tEvents.join(',')}`);
    assert.equal(tEvents.filter((e) => e === 'started').length, 1);
    assert.equal((await c.job(ticker)).state, 'running');
    assert.ok(isAlive(tickerPid));
    assert.equal(jobProcesses(a.pid!, finisher), 0);
  } finally {
    await c.close();
  }
});

test('an agent started with --exit-with-parent stops, and stops its jobs, when its parent dies by kill -9', async () => {
  const c = await TestCluster.start();
  // The parent (as `fairway up` would be): a shell that starts the agent and waits for it.
  const agentCmd = [process.execPath, join(repoRoot, 'bin/fairway.js'), 'agent', '--coordinator', c.url, '--join-token', c.joinToken, '--name', 'kid',
    '--cpus', '1', '--memory-mib', '1000', '--gpus', '0', '--heartbeat-ms', '500', '--exit-with-parent', '--work-dir', join(c.dir, 'agents', 'kid')];
  const parent = spawn('sh', ['-c', `${agentCmd.map((a) => `'${a}'`).join(' ')} & wait`], { cwd: repoRoot, stdio: 'ignore' });
  try {
    await c.waitFor('node kid ready', async () => ((await c.api('GET', '/v1/nodes')) as { nodes: { id: string }[] }).nodes.some((n) => n.id === 'kid'), 60_000);
    await c.tenant('acme');
    const id = await c.submit('acme', { name: 'ticker', cpu: 0.5, memoryMiB: 200, command: [process.execPath, '-e', 'setInterval(() => {}, 1000)'] });
    await c.waitFor('job started', async () => (await c.events(id)).some((e) => e.type === 'started'));
    const tree = processTree(parent.pid!).filter((p) => p !== parent.pid);
    assert.ok(tree.length >= 2, 'the agent and its job');
    process.kill(parent.pid!, 'SIGKILL');
    await c.waitFor('the agent and its job are gone', async () => tree.every((p) => !isAlive(p)), 30_000);
  } finally {
    if (parent.exitCode === null && parent.signalCode === null) parent.kill('SIGKILL');
    await c.close();
  }
});

function isAlive(pid: number): boolean {
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Signal numbers pending on a process (its own and its thread group's), from /proc; empty once it has gone. */
function pendingSignals(pid: number): Set<number> {
  const out = new Set<number>();
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return out;
  }
  for (const field of ['SigPnd', 'ShdPnd']) {
    const hex = new RegExp(`^${field}:\\s*([0-9a-f]+)$`, 'm').exec(status)?.[1];
    if (hex === undefined) continue;
    const mask = BigInt(`0x${hex}`);
    for (let sig = 1; sig <= 64; sig++) if ((mask >> BigInt(sig - 1)) & 1n) out.add(sig);
  }
  return out;
}

/** Runs the `fairway` CLI as a user would, against the test cluster with the admin token. */
async function cli(c: TestCluster, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(repoRoot, 'bin/fairway.js'), ...args, '--url', c.url, '--token', c.adminToken], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const code = await new Promise<number | null>((resolve) => child.once('exit', (x) => resolve(x)));
  return { code, stdout, stderr };
}

/**
 * The job's process (its group leader): the agent's child whose environment names the job. Not simply "the agent's
 * child": an agent whose sources were not in tsx's cache also runs esbuild's service process as a child, which lives
 * and dies with the agent.
 */
function jobLeader(agentPid: number, jobId: string): number {
  const pids = childPids(agentPid).filter((pid) => hasJobEnv(pid, jobId));
  assert.equal(pids.length, 1, `one process of job ${jobId} under agent ${agentPid}`);
  return pids[0]!;
}

function hasJobEnv(pid: number, jobId: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`FAIRWAY_JOB_ID=${jobId}`);
  } catch {
    // Exited meanwhile.
    return false;
  }
}

/** Processes under the agent whose environment names this job. */
function jobProcesses(agentPid: number, jobId: string): number {
  let n = 0;
  for (const pid of processTree(agentPid)) if (pid !== agentPid && hasJobEnv(pid, jobId)) n++;
  return n;
}
