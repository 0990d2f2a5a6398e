// Fault 4: the coordinator's disk fills up. The tests run as root in CI, where chmod does not stop writes, and
// mounting a small tmpfs may not be allowed, so we use what works for root without a mount: the file-size limit
// (RLIMIT_FSIZE) of the running `fairway server` process, lowered with `prlimit --pid` to 1 KiB (soft; the hard limit
// stays unlimited, so it can be raised again). Node ignores SIGXFSZ, so every write of SQLite's WAL past that size
// fails with EFBIG, exactly as a full disk fails it with ENOSPC (SQLite reports both as SQLITE_FULL / SQLITE_IOERR).
// Checked: new work is refused with 503 store_unavailable (nothing acknowledged that is not stored), reads keep
// being served, the running job and its node are left alone (a heartbeat that cannot be stored still proves the node
// alive), and once space returns the coordinator accepts work again by itself, with nothing half-written behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  api, figures, freePort, markedProcesses, newRunId, Processes, RUN_MARKER, ServerProcess, sleep, startAgent, waitFor, JOIN,
} from './harness.ts';

const NODE_TIMEOUT_MS = 3000;

function prlimitFsize(pid: number, soft: string): void {
  const r = spawnSync('prlimit', ['--pid', String(pid), `--fsize=${soft}:unlimited`], { encoding: 'utf8' });
  // No silent skip: without prlimit (util-linux) the scenario cannot run, and that is a failure.
  assert.equal(r.status, 0, `prlimit failed: ${r.error?.message ?? r.stderr}`);
}

test('a full disk: submissions refused with 503 store_unavailable, reads served, nothing half-stored; recovers when space returns', { timeout: 180_000 }, async (t) => {
  const runId = newRunId();
  const dir = mkdtempSync(join(tmpdir(), 'fw-fault-disk-'));
  const procs = new Processes();
  const agentLogs = new Map<string, string>();
  try {
    const server = new ServerProcess(procs, dir, await freePort(), ['--node-timeout-ms', String(NODE_TIMEOUT_MS)]);
    await server.start();
    const tenant = await server.admin('POST', '/v1/tenants', { id: 'acme' });
    assert.equal(tenant.status, 201);
    const token = tenant.body.token as string;
    startAgent(procs, server.url, 'a', { cpus: 2, memoryMiB: 2000 }, agentLogs);
    await waitFor('agent a ready', async () => (await server.admin('GET', '/v1/nodes')).body.nodes.some((n: { id: string; status: string }) => n.id === 'a' && n.status === 'ready'), 60_000);
    const submit = (name: string, command: string[], key?: string): Promise<{ status: number; body: any }> => // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON
      api(server.url, token, 'POST', '/v1/jobs', { name, request: { cpu: 0.2, memoryMiB: 100 }, command, env: { [RUN_MARKER]: runId } }, key ? { 'idempotency-key': key } : {});
    const ticker = await submit('ticker', [process.execPath, '-e', "let i=0; setInterval(()=>console.log('tick '+(++i)),200)"]);
    assert.equal(ticker.status, 201);
    const tickerId = ticker.body.id as string;
    await waitFor('ticker running', async () => (await server.admin('GET', `/v1/jobs/${tickerId}/logs?limit=10`)).body.lines.length >= 3, 60_000);
    const before = await server.allJobs();

    // The disk is full.
    const pid = server.child!.pid!;
    prlimitFsize(pid, '1024');
    const fullAt = Date.now();
    const refused: { status: number; code: string; message: string }[] = [];
    const attempts = await Promise.all(Array.from({ length: 40 }, (_, i) => submit(`during-${i}`, ['true'], `during-${i}`)));
    for (const r of attempts) refused.push({ status: r.status, code: r.body?.code, message: r.body?.message });
    assert.deepEqual([...new Set(refused.map((r) => `${r.status} ${r.code}`))], ['503 store_unavailable'], JSON.stringify(refused.slice(0, 3)));
    assert.match(refused[0]!.message, /cannot persist writes now .*nothing was saved/);
    // Other writes are refused the same way; reads go on.
    const newTenant = await server.admin('POST', '/v1/tenants', { id: 'late' });
    assert.equal(newTenant.status, 503);
    assert.equal(newTenant.body.code, 'store_unavailable');
    const cancel = await server.admin('POST', `/v1/jobs/${tickerId}/cancel`);
    assert.equal(cancel.status, 503, JSON.stringify(cancel.body));
    let readsServed = 0;
    // Stay full for longer than the node timeout: heartbeats cannot be stored, yet the node is alive and stays so.
    while (Date.now() - fullAt < NODE_TIMEOUT_MS * 2) {
      const list = await server.admin('GET', '/v1/jobs?limit=1000');
      const one = await server.admin('GET', `/v1/jobs/${tickerId}`);
      const nodes = await server.admin('GET', '/v1/nodes');
      assert.equal(list.status, 200);
      assert.equal(one.status, 200);
      assert.equal(one.body.state, 'running', 'the running job is left alone (the cancel was refused, the node is not lost)');
      assert.equal(nodes.body.nodes.find((n: { id: string }) => n.id === 'a').status, 'ready', 'a node whose heartbeats cannot be stored is not lost');
      assert.deepEqual(list.body.jobs.map((j: { id: string }) => j.id).sort(), before.map((j) => j.id).sort(), 'nothing refused shows up');
      readsServed += 3;
      await sleep(300);
    }
    assert.equal(server.child!.exitCode, null, 'the coordinator is still up');
    const hb = await api(server.url, JOIN, 'POST', '/v1/nodes/a/heartbeat', { waitMs: 0 });
    assert.equal(hb.status, 503, 'an agent is told its heartbeat was not stored (it keeps its reports and retries)');

    // Space returns: the next submission is accepted, by itself (no restart).
    prlimitFsize(pid, 'unlimited');
    const freedAt = Date.now();
    let retried: { status: number; body: any } | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON
    await waitFor('a submission accepted again', async () => {
      retried = await submit('during-0', ['true'], 'during-0');
      return retried.status !== 503;
    }, 30_000, 100);
    const recoverMs = Date.now() - freedAt;
    // The same idempotency key is accepted as new: the refused attempt left nothing behind.
    assert.equal(retried!.status, 201, JSON.stringify(retried!.body));
    const afterJob = retried!.body.id as string;
    await waitFor('the new job runs to the end', async () => (await server.admin('GET', `/v1/jobs/${afterJob}`)).body.state === 'succeeded', 60_000);
    // The ticker kept running on its node all along: one process, never requeued.
    const events = (await server.admin('GET', `/v1/jobs/${tickerId}/events`)).body.events.map((e: { type: string }) => e.type);
    assert.ok(!events.includes('preempted'), events.join(','));
    assert.equal(new Set(markedProcesses(runId).filter((p) => p.jobId === tickerId).map((p) => p.pgid)).size, 1);
    const logsFlow = (await server.admin('GET', `/v1/jobs/${tickerId}/logs?limit=10000`)).body.lines.length;
    await waitFor('ticker logs stored again', async () => (await server.admin('GET', `/v1/jobs/${tickerId}/logs?limit=10000`)).body.lines.length > logsFlow, 30_000);

    // A clean stop and a look at the file: intact, and only acknowledged jobs in it.
    const jobsNow = (await server.allJobs()).map((j) => j.id).sort();
    await server.stop();
    const db = new Database(join(dir, 'fairway.db'), { readonly: true });
    try {
      assert.equal((db.pragma('integrity_check', { simple: true }) as string), 'ok');
      const stored = (db.prepare('SELECT id FROM jobs ORDER BY id').all() as { id: string }[]).map((r) => r.id).sort();
      assert.deepEqual(stored, jobsNow);
      assert.deepEqual(stored, [...before.map((j) => j.id), afterJob].sort());
    } finally {
      db.close();
    }
    figures(t, 'store-full', {
      refusedWhileFull: refused.length, acknowledgedWhileFull: 0, readsServedWhileFull: readsServed, fullForMs: freedAt - fullAt,
      recoveredAfterSpaceMs: recoverMs, nodeTimeoutMs: NODE_TIMEOUT_MS, requeuedJobs: 0,
    });
  } finally {
    await procs.stopAll(runId);
    rmSync(dir, { recursive: true, force: true });
  }
});
