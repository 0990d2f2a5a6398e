// Re-registration reconciliation and operator migration through the coordinator's HTTP API (in-process injection;
// the real-process versions are in test/e2e/agent.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { Authenticator } from './auth.ts';
import { Coordinator } from './coordinator.ts';
import { SqliteStore } from './store/sqlite-store.ts';

const ADMIN = 'admin-token-for-tests';
const JOIN = 'join-token-for-tests';
const admin = { authorization: `Bearer ${ADMIN}` };
const agent = { authorization: `Bearer ${JOIN}` };

interface Cmd { type: string; jobId: string; nodeIds?: string[]; reason?: { code: string } }

async function harness(): Promise<{ app: FastifyInstance; coord: Coordinator; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'fw-reg-'));
  const store = new SqliteStore(join(dir, 'fairway.db'), { sync: 'normal' });
  const auth = new Authenticator(ADMIN, JOIN);
  const coord = new Coordinator({ store, auth, fairnessIntervalMs: 0, nodeTimeoutMs: 0, cycleIntervalMs: 60_000 });
  const app = buildApp({ coordinator: coord, auth });
  await app.inject({ method: 'POST', url: '/v1/tenants', headers: admin, payload: { id: 'acme' } });
  return { app, coord, async close() { await coord.close(); await app.close(); await store.close(); rmSync(dir, { recursive: true, force: true }); } };
}

const register = (app: FastifyInstance, id: string, jobs?: string[]) =>
  app.inject({ method: 'POST', url: '/v1/nodes', headers: agent, payload: { id, capacity: { cpu: 2, memoryMiB: 4096 }, ...(jobs ? { jobs } : {}) } });
const heartbeat = async (app: FastifyInstance, id: string, payload: object = {}): Promise<Cmd[]> =>
  (await app.inject({ method: 'POST', url: `/v1/nodes/${id}/heartbeat`, headers: agent, payload })).json<{ commands: Cmd[] }>().commands;
const submit = async (app: FastifyInstance, name: string): Promise<string> =>
  (await app.inject({ method: 'POST', url: '/v1/jobs', headers: admin, payload: { tenant: 'acme', name, request: { cpu: 1, memoryMiB: 256 }, command: ['x'] } })).json<{ id: string }>().id;
const events = async (app: FastifyInstance, id: string): Promise<string[]> =>
  (await app.inject({ method: 'GET', url: `/v1/jobs/${id}/events`, headers: admin })).json<{ events: { type: string }[] }>().events.map((e) => e.type);

test('re-registration: a running task is re-adopted, an unknown one is stopped, nothing restarts', async () => {
  const h = await harness();
  try {
    await register(h.app, 'n1');
    const id = await submit(h.app, 'a');
    await h.coord.runCycle();
    assert.deepEqual((await heartbeat(h.app, 'n1', { reports: [] })).map((c) => c.type), ['LaunchJob']);
    await heartbeat(h.app, 'n1', { reports: [{ type: 'started', jobId: id }] });
    assert.equal((await register(h.app, 'n1', [id, 'j999'])).statusCode, 201);
    const cmds = await heartbeat(h.app, 'n1');
    assert.deepEqual(cmds.map((c) => [c.type, c.jobId, c.reason?.code]), [['StopJob', 'j999', 'not-expected']]);
    assert.ok((await events(h.app, id)).includes('readopted'));
    assert.ok(!(await events(h.app, id)).includes('preempted'));
  } finally {
    await h.close();
  }
});

test('re-registration without a task it was handed: the node\'s previous incarnation is lost and the job is requeued; a launch still queued is not', async () => {
  const h = await harness();
  try {
    await register(h.app, 'n1');
    const handed = await submit(h.app, 'handed');
    await h.coord.runCycle();
    await heartbeat(h.app, 'n1');
    await heartbeat(h.app, 'n1', { reports: [{ type: 'started', jobId: handed }] });
    // A second job is placed, but its LaunchJob is still queued when the agent re-registers: not lost.
    const queued = await submit(h.app, 'queued');
    await h.coord.runCycle();
    await register(h.app, 'n1', [handed]);
    assert.ok((await events(h.app, handed)).includes('readopted'));
    assert.ok(!(await events(h.app, queued)).includes('preempted'));
    assert.deepEqual((await heartbeat(h.app, 'n1')).map((c) => [c.type, c.jobId]), [['LaunchJob', queued]]);
    // Now the agent restarts empty: the task it was handed is gone, so the job goes back to the queue.
    await heartbeat(h.app, 'n1', { reports: [{ type: 'started', jobId: queued }] });
    await register(h.app, 'n1', [queued]);
    await h.coord.settle();
    const ev = await events(h.app, handed);
    assert.equal(ev.at(-1), 'preempted');
  } finally {
    await h.close();
  }
});

test('re-registration carrying an undelivered exit report: the job is recorded as finished, and the node\'s other job is re-adopted, not requeued', async () => {
  const h = await harness();
  try {
    await register(h.app, 'n1');
    const done = await submit(h.app, 'done');
    const still = await submit(h.app, 'still');
    await h.coord.runCycle();
    assert.deepEqual((await heartbeat(h.app, 'n1')).map((c) => c.type), ['LaunchJob', 'LaunchJob']);
    await heartbeat(h.app, 'n1', { reports: [{ type: 'started', jobId: done }, { type: 'started', jobId: still }] });
    // `done` exited while the coordinator was away; the agent registers again with the report it could not deliver.
    const res = await h.app.inject({ method: 'POST', url: '/v1/nodes', headers: agent, payload: {
      id: 'n1', capacity: { cpu: 2, memoryMiB: 4096 }, jobs: [still], reports: [{ type: 'exited', jobId: done, exitCode: 0 }],
    } });
    assert.equal(res.statusCode, 201, res.body);
    await h.coord.settle();
    const job = async (id: string) => (await h.app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: admin })).json<{ state: string }>();
    assert.equal((await job(done)).state, 'succeeded');
    assert.equal((await job(still)).state, 'running');
    assert.ok((await events(h.app, still)).includes('readopted'));
    for (const id of [done, still]) assert.ok(!(await events(h.app, id)).includes('preempted'), `${id} was not requeued`);
    // The same report again (its heartbeat was in flight too) changes nothing.
    await heartbeat(h.app, 'n1', { reports: [{ type: 'exited', jobId: done, exitCode: 0 }] });
    assert.equal((await events(h.app, done)).filter((e) => e === 'succeeded').length, 1);
    // Nothing is relaunched on the node.
    assert.deepEqual(await heartbeat(h.app, 'n1'), []);
  } finally {
    await h.close();
  }
});

test('POST /v1/jobs/:id/migrate: admin only, 409 with the core\'s reason, else MigrateJob to the source and a launch on the target after "migrated"', async () => {
  const h = await harness();
  try {
    await register(h.app, 'n1');
    const id = await submit(h.app, 'mover');
    await h.coord.runCycle();
    await heartbeat(h.app, 'n1');
    await heartbeat(h.app, 'n1', { reports: [{ type: 'started', jobId: id }] });
    await register(h.app, 'n2');
    const bad = await h.app.inject({ method: 'POST', url: `/v1/jobs/${id}/migrate`, headers: admin, payload: { to: ['n9'] } });
    assert.equal(bad.statusCode, 409);
    assert.equal(bad.json<{ details: { reason: { code: string } } }>().details.reason.code, 'unknown-node');
    const asAgent = await h.app.inject({ method: 'POST', url: `/v1/jobs/${id}/migrate`, headers: agent, payload: { to: ['n2'] } });
    assert.equal(asAgent.statusCode, 403);
    const ok = await h.app.inject({ method: 'POST', url: `/v1/jobs/${id}/migrate`, headers: admin, payload: { to: ['n2'] } });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual((await heartbeat(h.app, 'n1')).map((c) => [c.type, c.nodeIds]), [['MigrateJob', ['n2']]]);
    assert.deepEqual(h.coord.migrationsView().planned.map((m) => [m.jobId, m.to]), [[id, ['n2']]], 'the move under way is listed (balancer off)');
    await heartbeat(h.app, 'n1', { reports: [{ type: 'checkpointed', jobId: id, checkpointId: 'v3@40', sizeMiB: 1 }, { type: 'migrated', jobId: id, toNodeIds: ['n2'] }] });
    const launch = (await heartbeat(h.app, 'n2')) as (Cmd & { resumeFromCheckpointId?: string })[];
    assert.deepEqual(launch.map((c) => [c.type, c.jobId, c.resumeFromCheckpointId]), [['LaunchJob', id, 'v3@40']]);
    const job = (await h.app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: admin })).json<{ state: string; nodeIds: string[] }>();
    assert.deepEqual([job.state, job.nodeIds], ['running', ['n2']]);
    assert.deepEqual((await events(h.app, id)).filter((e) => e.startsWith('migrat')), ['migrating', 'migrated']);
    assert.deepEqual(h.coord.migrationsView().planned, []);
  } finally {
    await h.close();
  }
});
