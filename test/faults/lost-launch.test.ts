// The crash window that test/faults/coordinator-crash.test.ts hits only sometimes, made deterministic: a job whose
// placement was committed but whose LaunchJob died with the coordinator (queued, never delivered). After a restart on
// the same SQLite file the job is stored as running on its node, yet no agent runs it. The restarted coordinator
// launches it again once that node has pushed twice without reporting it started — and not earlier, and never a job
// the agent did report started. In process (HTTP by injection), with a real SQLite file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../src/server/app.ts';
import { Authenticator } from '../../src/server/auth.ts';
import { Coordinator } from '../../src/server/coordinator.ts';
import { SqliteStore } from '../../src/server/store/sqlite-store.ts';

const ADMIN = 'admin-token-for-tests';
const JOIN = 'join-token-for-tests';

function open(dir: string) {
  const store = new SqliteStore(join(dir, 'fairway.db'), { sync: 'normal' });
  const auth = new Authenticator(ADMIN, JOIN);
  const coord = new Coordinator({ store, auth, fairnessIntervalMs: 0, nodeTimeoutMs: 0, cycleIntervalMs: 60_000 });
  const app = buildApp({ coordinator: coord, auth });
  const inject = async (method: 'GET' | 'POST', url: string, token: string, payload?: unknown) => {
    const r = await app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) });
    return { status: r.statusCode, body: r.json() as any }; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON
  };
  return { coord, inject, async close() { await coord.close(); await app.close(); await store.close(); } };
}

const launches = (body: { commands: { type: string; jobId: string }[] }): string[] => body.commands.filter((c) => c.type === 'LaunchJob').map((c) => c.jobId);

test('a placement committed before a crash whose launch was never delivered is launched again after the restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-lost-launch-'));
  try {
    let h = open(dir);
    const token = (await h.inject('POST', '/v1/tenants', ADMIN, { id: 'acme' })).body.token as string;
    assert.equal((await h.inject('POST', '/v1/nodes', JOIN, { id: 'n1', capacity: { cpu: 4, memoryMiB: 4096 } })).status, 201);
    const delivered = (await h.inject('POST', '/v1/jobs', token, { name: 'delivered', request: { cpu: 1, memoryMiB: 100 }, command: ['sleep', '60'] })).body.id as string;
    const lost = (await h.inject('POST', '/v1/jobs', token, { name: 'lost', request: { cpu: 1, memoryMiB: 100 }, command: ['sleep', '60'] })).body.id as string;
    await h.coord.runCycle();
    // The agent takes its commands, starts `delivered` and reports it; then the coordinator dies before `lost`'s
    // launch reached anyone: we reopen the file without ever polling for it (its queue lived only in memory).
    const first = await h.inject('POST', '/v1/nodes/n1/heartbeat', JOIN, { waitMs: 0 });
    assert.deepEqual(launches(first.body).sort(), [delivered, lost].sort());
    assert.equal((await h.inject('POST', '/v1/nodes/n1/heartbeat', JOIN, { reports: [{ type: 'started', jobId: delivered }] })).status, 200);
    await h.close();

    h = open(dir);
    for (const id of [delivered, lost]) assert.equal((await h.inject('GET', `/v1/jobs/${id}`, ADMIN)).body.state, 'running');
    // First push since the restart: not yet (its reports might still be on their way).
    assert.deepEqual(launches((await h.inject('POST', '/v1/nodes/n1/heartbeat', JOIN, { waitMs: 0 })).body), []);
    // A long-poll carries no reports and does not count.
    assert.deepEqual(launches((await h.inject('POST', '/v1/nodes/n1/heartbeat', JOIN, { waitMs: 50 })).body), []);
    // Second push without a start of `lost`: its launch is sent again; `delivered`, reported started, is not.
    assert.deepEqual(launches((await h.inject('POST', '/v1/nodes/n1/heartbeat', JOIN, { waitMs: 0 })).body), [lost]);
    // Only once.
    assert.deepEqual(launches((await h.inject('POST', '/v1/nodes/n1/heartbeat', JOIN, { waitMs: 0 })).body), []);
    assert.equal((await h.inject('POST', '/v1/nodes/n1/heartbeat', JOIN, { reports: [{ type: 'exited', jobId: lost, exitCode: 0 }] })).status, 200);
    assert.equal((await h.inject('GET', `/v1/jobs/${lost}`, ADMIN)).body.state, 'succeeded');
    await h.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a placed job whose start report was only in flight during the crash is not launched twice', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-lost-launch-'));
  try {
    let h = open(dir);
    const token = (await h.inject('POST', '/v1/tenants', ADMIN, { id: 'acme' })).body.token as string;
    await h.inject('POST', '/v1/nodes', JOIN, { id: 'n1', capacity: { cpu: 4, memoryMiB: 4096 } });
    const id = (await h.inject('POST', '/v1/jobs', token, { name: 'j', request: { cpu: 1, memoryMiB: 100 }, command: ['sleep', '60'] })).body.id as string;
    await h.coord.runCycle();
    assert.deepEqual(launches((await h.inject('POST', '/v1/nodes/n1/heartbeat', JOIN, { waitMs: 0 })).body), [id]);
    await h.close();
    h = open(dir);
    // The agent had launched it; its `started` report failed while we were down and comes with its first push.
    assert.deepEqual(launches((await h.inject('POST', '/v1/nodes/n1/heartbeat', JOIN, { reports: [{ type: 'started', jobId: id }] })).body), []);
    for (let i = 0; i < 3; i++) assert.deepEqual(launches((await h.inject('POST', '/v1/nodes/n1/heartbeat', JOIN, { waitMs: 0 })).body), []);
    await h.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
