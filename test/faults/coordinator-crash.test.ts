// Fault 1: `kill -9` of the coordinator (a real `fairway server` process, SQLite in its data dir) in the middle of a
// burst of concurrent submissions, while real agents run real jobs (a TF.js training job checkpointing to disk and
// short-lived processes), then a restart on the same data dir and port. Checked:
// - every submission the client saw acknowledged (201) is in the store after the restart, complete;
// - no job ever runs twice at once: the machine's actual processes are read from /proc every 100 ms all along;
// - the jobs that were running are re-adopted (or rescheduled from their checkpoints) and everything finishes,
//   including jobs placed just before the crash whose launch never reached their agent;
// - idempotency keys survive: replaying every key either names the stored job or, for a submission the crash
//   beat to its commit, is accepted now — never a second copy of an acknowledged one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mlpCommand } from '../e2e/cluster.ts';
import {
  api, DoubleRunWatcher, figures, freePort, newRunId, Processes, RUN_MARKER, ServerProcess, startAgent, waitFor, type ApiReply,
} from './harness.ts';

const BURST = 300;
const CONCURRENCY = 20;
const KILL_AT_ACKS = 60;
const CHECKPOINT_EVERY = 4;
// The training job: 128 steps throttled to >= 25 ms each (mlpCommand), 3.2 s or more on any machine. It must still be
// running when we look, a poll after its first checkpoint (step 4); at 64 unthrottled steps a fast machine could have
// finished it by then.
const MLP_ITEMS = 2000;
const MLP_EPOCHS = 4;

test('kill -9 of the coordinator during a submission burst and running jobs: nothing acknowledged lost, nothing run twice, all finish', { timeout: 300_000 }, async (t) => {
  const runId = newRunId();
  const dir = mkdtempSync(join(tmpdir(), 'fw-fault-coord-'));
  const procs = new Processes();
  const agentLogs = new Map<string, string>();
  const watcher = new DoubleRunWatcher(runId).start();
  try {
    const server = new ServerProcess(procs, dir, await freePort());
    await server.start();
    const tenant = await server.admin('POST', '/v1/tenants', { id: 'acme' });
    assert.equal(tenant.status, 201);
    const token = tenant.body.token as string;
    for (const name of ['a', 'b']) startAgent(procs, server.url, name, { cpus: 2, memoryMiB: 3000 }, agentLogs);
    await waitFor('agents ready', async () => (await server.admin('GET', '/v1/nodes')).body.nodes.filter((n: { status: string }) => n.status === 'ready').length === 2, 60_000);
    const context = (): string => `server:\n${server.stderr.slice(-2000)}\nagents:\n${[...agentLogs.values()].map((l) => l.slice(-2000)).join('\n')}`;
    const submit = (body: Record<string, unknown>, key?: string): Promise<ApiReply> =>
      api(server.url, token, 'POST', '/v1/jobs', { ...body, env: { [RUN_MARKER]: runId } }, key ? { 'idempotency-key': key } : {});

    // Jobs running when the coordinator dies: a training job that checkpoints, and two processes that run ~10 s.
    const mlp = await submit({ name: 'mlp', request: { cpu: 1, memoryMiB: 1200 }, command: mlpCommand({ trainLimit: MLP_ITEMS, epochs: MLP_EPOCHS, checkpointDir: join(dir, 'ck'), checkpointEvery: CHECKPOINT_EVERY }) });
    assert.equal(mlp.status, 201);
    const mlpId = mlp.body.id as string;
    const tickers: string[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await submit({ name: `ticker-${i}`, request: { cpu: 0.5, memoryMiB: 100 }, command: [process.execPath, '-e', "let i=0; const t=setInterval(()=>{console.log('tick '+(++i)); if(i===50) clearInterval(t)},200)"] });
      assert.equal(r.status, 201);
      tickers.push(r.body.id as string);
    }
    await waitFor('the training job checkpointed', async () => (await server.admin('GET', `/v1/jobs/${mlpId}/events`)).body.events.some((e: { type: string }) => e.type === 'checkpointed'), 180_000, 200, context);
    const running = (await server.allJobs()).filter((j) => j.state === 'running').map((j) => j.id).sort();
    assert.deepEqual(running, [mlpId, ...tickers].sort());

    // The burst, and SIGKILL once KILL_AT_ACKS submissions are acknowledged.
    const acked = new Map<string, string>();
    let failedRequests = 0;
    const killed = { at: 0 };
    // CONCURRENCY clients submit back to back (BURST in all), so that when the kill lands some requests are
    // committed and answered, some in flight, and the rest refused at the door.
    let next = 0;
    const client = async (): Promise<void> => {
      while (next < BURST) {
        const i = next++;
        try {
          const r = await submit({ name: `burst-${i}`, request: { cpu: 0.1, memoryMiB: 32 }, command: ['sleep', '0.3'] }, `burst-${i}`);
          if (r.status === 201) acked.set(`burst-${i}`, r.body.id as string);
          else failedRequests++;
          if (acked.size === KILL_AT_ACKS && killed.at === 0) { killed.at = Date.now(); server.child!.kill('SIGKILL'); }
        } catch {
          failedRequests++;
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, client));
    await server.kill9();
    assert.ok(acked.size >= KILL_AT_ACKS, `acknowledged ${acked.size}`);
    assert.ok(acked.size < BURST, 'the kill landed inside the burst');

    // Restart on the same data dir and port; the agents find it again by themselves.
    await server.start();
    const recoveredMs = Date.now() - killed.at;
    const all = await server.allJobs();
    const byId = new Map(all.map((j) => [j.id, j]));
    const lost = [...acked.values()].filter((id) => !byId.has(id));
    assert.deepEqual(lost, [], 'every acknowledged submission is stored');
    for (const j of all) assert.ok(Array.isArray(j.command) && j.command.length > 0 && j.tenant === 'acme', `job ${j.id} half-written`);
    for (const id of [mlpId, ...tickers]) assert.ok(['running', 'succeeded'].includes(byId.get(id)!.state), `${id} is ${byId.get(id)!.state}`);

    // Every key replayed: an acknowledged one names its stored job; an unacknowledged one was either committed
    // (named too) or is accepted now. Never a second job for an acknowledged submission.
    let committedUnacked = 0;
    let acceptedNow = 0;
    for (let i = 0; i < BURST; i++) {
      const key = `burst-${i}`;
      const r = await submit({ name: key, request: { cpu: 0.1, memoryMiB: 32 }, command: ['sleep', '0.3'] }, key);
      if (acked.has(key)) {
        assert.equal(r.status, 409, `${key}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.details.jobId, acked.get(key));
      } else if (r.status === 409) {
        assert.ok(byId.has(r.body.details.jobId));
        committedUnacked++;
      } else {
        assert.equal(r.status, 201, JSON.stringify(r.body));
        acceptedNow++;
      }
    }

    // Everything runs to the end; the running jobs were re-adopted or resumed from a checkpoint.
    const unfinished = async (): Promise<{ id: string; state: string; nodeIds: string[] }[]> => (await server.allJobs()).filter((j) => !['succeeded', 'failed', 'cancelled'].includes(j.state));
    await waitFor('every job finished', async () => (await unfinished()).length === 0, 120_000, 500, context).catch(async (err: Error) => {
      const left = await unfinished();
      // The stored history of a few of them says where they got stuck (placed, started, re-adopted, launched again?).
      const histories = await Promise.all(left.slice(0, 3).map(async (j) => `${j.id}: ${JSON.stringify((await server.admin('GET', `/v1/jobs/${j.id}/events`)).body.events)}`));
      throw new Error(`${err.message}\nunfinished: ${JSON.stringify(left.map((j) => [j.id, j.state, j.nodeIds]))}\n${histories.join('\n')}`);
    });
    const final = await server.allJobs();
    const failed = final.filter((j) => j.state !== 'succeeded');
    assert.deepEqual(failed.map((j) => `${j.id}:${j.state}`), [], 'every job succeeded');
    const mlpEvents = (await server.admin('GET', `/v1/jobs/${mlpId}/events`)).body.events.map((e: { type: string }) => e.type);
    const mlpLines = (await server.admin('GET', `/v1/jobs/${mlpId}/logs?limit=10000`)).body.lines.map((l: { line: string }) => l.line).filter((l: string) => l.includes('"fw":1')).map((l: string) => JSON.parse(l) as { type: string; step?: number });
    const adopted = !mlpEvents.includes('preempted');
    let readopted = 0;
    for (const id of [mlpId, ...tickers]) {
      const ev = (await server.admin('GET', `/v1/jobs/${id}/events`)).body.events.map((e: { type: string }) => e.type);
      if (!ev.includes('preempted') && ev.filter((e: string) => e === 'started').length === 1) readopted++;
    }
    if (!adopted) {
      const restore = mlpLines.find((l: { type: string }) => l.type === 'restore');
      assert.ok(restore, 'a rescheduled training job resumed from its checkpoint');
    }
    assert.equal(mlpLines.find((l: { type: string }) => l.type === 'done')?.step, Math.ceil(MLP_ITEMS / 64) * MLP_EPOCHS);
    watcher.sample();
    assert.deepEqual(watcher.doubles, [], 'no job ever ran twice at once');
    for (const id of [mlpId, ...tickers]) assert.ok(watcher.seen.has(id), `the watcher saw ${id} run`);
    figures(t, 'coordinator-crash', {
      burst: BURST, acknowledged: acked.size, acknowledgedFound: acked.size - lost.length, lost: lost.length,
      committedButUnacknowledged: committedUnacked, neverCommitted: acceptedNow, failedRequests,
      restartToListeningMs: recoveredMs, lostLaunchesSentAgain: (server.stderr.match(/never started there; launching it again/g) ?? []).length,
      runningJobsReadopted: readopted, runningJobs: 1 + tickers.length, jobsTotal: final.length,
      procSamples: watcher.samples, doubleRuns: watcher.doubles.length,
    });
  } finally {
    watcher.stop();
    await procs.stopAll(runId);
    rmSync(dir, { recursive: true, force: true });
  }
});
