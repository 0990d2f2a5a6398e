import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApp } from './app.ts';
import { Authenticator } from './auth.ts';
import { Coordinator } from './coordinator.ts';
import { SqliteStore } from './store/sqlite-store.ts';

const ADMIN = 'admin-token-for-tests';
const JOIN = 'join-token-for-tests';
const admin = { authorization: `Bearer ${ADMIN}` };
const agent = { authorization: `Bearer ${JOIN}` };
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
const job = (over: Record<string, unknown> = {}) => ({ name: 'train', request: { cpu: 1, memoryMiB: 256, gpu: 0 }, command: ['node', 'train.js'], ...over });

interface Harness { app: FastifyInstance; coord: Coordinator; store: SqliteStore; dir: string; close(keep?: boolean): Promise<void> }

function open(dir = mkdtempSync(join(tmpdir(), 'fw-app-'))): Harness {
  const store = new SqliteStore(join(dir, 'fairway.db'), { sync: 'normal' });
  const auth = new Authenticator(ADMIN, JOIN);
  const coord = new Coordinator({ store, auth, fairnessIntervalMs: 0, nodeTimeoutMs: 0, cycleIntervalMs: 60_000 });
  const app = buildApp({ coordinator: coord, auth, bodyLimit: 64 * 1024, storeStats: () => store.stats });
  return { app, coord, store, dir, async close(keep = false) { await coord.close(); await app.close(); await store.close(); if (!keep) rmSync(dir, { recursive: true, force: true }); } };
}

async function tenant(h: Harness, id: string, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await h.app.inject({ method: 'POST', url: '/v1/tenants', headers: admin, payload: { id, ...extra } });
  assert.equal(r.statusCode, 201, r.body);
  return r.json<{ token: string }>().token;
}

async function node(h: Harness, id: string, cpu = 4, memoryMiB = 8192): Promise<void> {
  const r = await h.app.inject({ method: 'POST', url: '/v1/nodes', headers: agent, payload: { id, capacity: { cpu, memoryMiB } } });
  assert.equal(r.statusCode, 201, r.body);
}

async function jobCount(h: Harness): Promise<number> {
  const r = await h.app.inject({ method: 'GET', url: '/v1/jobs?limit=1000', headers: admin });
  return r.json<{ jobs: unknown[] }>().jobs.length;
}

test('tenants: admin creates one, its token is returned once and works; tenants cannot administer', async () => {
  const h = open();
  try {
    const tok = await tenant(h, 'acme', { weight: 2, tier: 'gold', quota: { cpu: 2 } });
    assert.match(tok, /^fwt_/);
    const list = await h.app.inject({ method: 'GET', url: '/v1/tenants', headers: admin });
    assert.deepEqual(list.json<{ tenants: { id: string; weight: number; quota: { cpuMilli: number } }[] }>().tenants.map((t) => [t.id, t.weight, t.quota.cpuMilli]), [['acme', 2, 2000]]);
    assert.doesNotMatch(list.body, /fwt_/, 'the token is never shown again');
    const mine = await h.app.inject({ method: 'GET', url: '/v1/tenants', headers: bearer(tok) });
    assert.equal(mine.statusCode, 200);
    const forbidden = await h.app.inject({ method: 'POST', url: '/v1/tenants', headers: bearer(tok), payload: { id: 'evil' } });
    assert.equal(forbidden.statusCode, 403);
    const dup = await h.app.inject({ method: 'POST', url: '/v1/tenants', headers: admin, payload: { id: 'acme' } });
    assert.equal(dup.statusCode, 409);
    const upd = await h.app.inject({ method: 'PATCH', url: '/v1/tenants/acme', headers: admin, payload: { weight: 5, cap: { cpu: 8 } } });
    assert.equal(upd.json<{ weight: number; cap: { cpuMilli: number } }>().weight, 5);
    assert.equal(upd.json<{ cap: { cpuMilli: number } }>().cap.cpuMilli, 8000);
    // Rotation: the old token stops working at once.
    const rot = await h.app.inject({ method: 'POST', url: '/v1/tenants/acme/token', headers: bearer(tok) });
    const fresh = rot.json<{ token: string }>().token;
    assert.notEqual(fresh, tok);
    assert.equal((await h.app.inject({ method: 'GET', url: '/v1/jobs', headers: bearer(tok) })).statusCode, 401);
    assert.equal((await h.app.inject({ method: 'GET', url: '/v1/jobs', headers: bearer(fresh) })).statusCode, 200);
  } finally {
    await h.close();
  }
});

test('a tenant sees and controls only its own jobs; admin sees all', async () => {
  const h = open();
  try {
    const a = await tenant(h, 'a');
    const b = await tenant(h, 'b');
    const ra = await h.app.inject({ method: 'POST', url: '/v1/jobs', headers: bearer(a), payload: job({ name: 'mine' }) });
    assert.equal(ra.statusCode, 201, ra.body);
    const id = ra.json<{ id: string; tenant: string; request: { cpuMilli: number; memMiB: number } }>().id;
    assert.equal(ra.json<{ tenant: string }>().tenant, 'a');
    assert.deepEqual(ra.json<{ request: object }>().request, { cpuMilli: 1000, gpuMilli: 0, memMiB: 256, netMbps: 0 });
    assert.equal((await h.app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: bearer(b) })).statusCode, 404);
    assert.equal((await h.app.inject({ method: 'POST', url: `/v1/jobs/${id}/cancel`, headers: bearer(b) })).statusCode, 404);
    assert.equal((await h.app.inject({ method: 'GET', url: `/v1/jobs/${id}/logs`, headers: bearer(b) })).statusCode, 404);
    assert.equal((await h.app.inject({ method: 'GET', url: '/v1/jobs', headers: bearer(b) })).json<{ jobs: unknown[] }>().jobs.length, 0);
    assert.equal((await h.app.inject({ method: 'GET', url: '/v1/jobs?tenant=a', headers: bearer(b) })).statusCode, 403);
    assert.equal((await h.app.inject({ method: 'POST', url: '/v1/jobs', headers: bearer(b), payload: job({ tenant: 'a' }) })).statusCode, 403);
    assert.equal((await h.app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: admin })).statusCode, 200);
    const byAdmin = await h.app.inject({ method: 'POST', url: '/v1/jobs', headers: admin, payload: job({ tenant: 'b' }) });
    assert.equal(byAdmin.json<{ tenant: string }>().tenant, 'b');
    assert.equal(await jobCount(h), 2);
  } finally {
    await h.close();
  }
});

test('bad input answers 4xx {code, message, details}, never 500, never a half-written job', async () => {
  const h = open();
  try {
    const tok = await tenant(h, 'acme', { cap: { cpu: 16, memoryMiB: 65536 } });
    await node(h, 'n1', 8, 16384);
    const t = bearer(tok);
    const json = { ...t, 'content-type': 'application/json' };
    const cases: { what: string; req: InjectOptions; status: number; code: string; field?: RegExp }[] = [
      { what: 'malformed JSON', req: { method: 'POST', url: '/v1/jobs', headers: json, payload: '{"name": "x",' }, status: 400, code: 'malformed_body' },
      { what: 'empty body', req: { method: 'POST', url: '/v1/jobs', headers: json, payload: '' }, status: 400, code: 'malformed_body' },
      { what: 'proto poisoning', req: { method: 'POST', url: '/v1/jobs', headers: json, payload: '{"__proto__": {"x": 1}}' }, status: 400, code: 'malformed_body' },
      { what: 'unknown field', req: { method: 'POST', url: '/v1/jobs', headers: t, payload: job({ gpus: 2 }) }, status: 400, code: 'invalid_input', field: /job\.gpus/ },
      { what: 'unknown nested field', req: { method: 'POST', url: '/v1/jobs', headers: t, payload: job({ request: { cpu: 1, cores: 2 } }) }, status: 400, code: 'invalid_input', field: /job\.request\.cores/ },
      { what: 'negative cpu', req: { method: 'POST', url: '/v1/jobs', headers: t, payload: job({ request: { cpu: -1, memoryMiB: 1 } }) }, status: 400, code: 'invalid_input', field: /job\.request\.cpu/ },
      { what: 'absurd memory', req: { method: 'POST', url: '/v1/jobs', headers: t, payload: job({ request: { cpu: 1, memoryMiB: 1e300 } }) }, status: 400, code: 'invalid_input', field: /job\.request\.memoryMiB/ },
      { what: 'zero resources', req: { method: 'POST', url: '/v1/jobs', headers: t, payload: job({ request: {} }) }, status: 400, code: 'invalid_input', field: /job\.request/ },
      { what: 'string cpu', req: { method: 'POST', url: '/v1/jobs', headers: t, payload: job({ request: { cpu: '1' } }) }, status: 400, code: 'invalid_input', field: /job\.request\.cpu/ },
      { what: 'empty command', req: { method: 'POST', url: '/v1/jobs', headers: t, payload: job({ command: [] }) }, status: 400, code: 'invalid_input', field: /job\.command/ },
      { what: 'bad priority', req: { method: 'POST', url: '/v1/jobs', headers: t, payload: job({ priorityClass: 'urgent' }) }, status: 400, code: 'invalid_input', field: /job\.priorityClass/ },
      { what: 'unknown tenant (admin)', req: { method: 'POST', url: '/v1/jobs', headers: admin, payload: job({ tenant: 'nobody' }) }, status: 404, code: 'not_found' },
      { what: 'admin without tenant', req: { method: 'POST', url: '/v1/jobs', headers: admin, payload: job() }, status: 400, code: 'invalid_input', field: /job\.tenant/ },
      { what: 'larger than any node', req: { method: 'POST', url: '/v1/jobs', headers: t, payload: job({ request: { cpu: 12, memoryMiB: 1 } }) }, status: 422, code: 'never_fits' },
      { what: 'gang larger than cluster', req: { method: 'POST', url: '/v1/jobs', headers: t, payload: job({ request: { cpu: 2 }, gangSize: 5 }) }, status: 422, code: 'never_fits' },
      { what: 'above tenant cap', req: { method: 'POST', url: '/v1/jobs', headers: t, payload: job({ request: { cpu: 1, memoryMiB: 70000 } }) }, status: 422, code: 'never_fits' },
      { what: 'oversized body', req: { method: 'POST', url: '/v1/jobs', headers: t, payload: job({ name: 'x', env: { BIG: 'y'.repeat(9000) , B2: 'y'.repeat(9000), B3: 'y'.repeat(9000), B4: 'y'.repeat(9000), B5: 'y'.repeat(9000), B6: 'y'.repeat(9000), B7: 'y'.repeat(9000), B8: 'y'.repeat(9000) } }) }, status: 413, code: 'body_too_large' },
      { what: 'missing token', req: { method: 'POST', url: '/v1/jobs', payload: job() }, status: 401, code: 'unauthorized' },
      { what: 'wrong token', req: { method: 'POST', url: '/v1/jobs', headers: bearer('fwt_wrong'), payload: job() }, status: 401, code: 'unauthorized' },
      { what: 'not bearer', req: { method: 'POST', url: '/v1/jobs', headers: { authorization: `Basic ${tok}` }, payload: job() }, status: 401, code: 'unauthorized' },
      { what: 'agent token on jobs', req: { method: 'POST', url: '/v1/jobs', headers: agent, payload: job() }, status: 403, code: 'forbidden' },
      { what: 'bad job id', req: { method: 'GET', url: '/v1/jobs/..%2Fetc', headers: t }, status: 400, code: 'invalid_input' },
      { what: 'unknown job', req: { method: 'GET', url: '/v1/jobs/j999', headers: t }, status: 404, code: 'not_found' },
      { what: 'bad list filter', req: { method: 'GET', url: '/v1/jobs?state=sleeping', headers: t }, status: 400, code: 'invalid_input', field: /query\.state/ },
      { what: 'bad idempotency key', req: { method: 'POST', url: '/v1/jobs', headers: { ...t, 'idempotency-key': 'x'.repeat(300) }, payload: job() }, status: 400, code: 'invalid_input' },
      { what: 'not JSON', req: { method: 'POST', url: '/v1/jobs', headers: { ...t, 'content-type': 'text/plain' }, payload: 'name: x' }, status: 415, code: 'unsupported_media_type' },
      { what: 'unknown route', req: { method: 'GET', url: '/v1/nope', headers: t }, status: 404, code: 'not_found' },
    ];
    for (const c of cases) {
      const r = await h.app.inject(c.req);
      assert.equal(r.statusCode, c.status, `${c.what}: ${r.body}`);
      const body = r.json<{ code: string; message: string; details: object }>();
      assert.equal(body.code, c.code, c.what);
      assert.equal(typeof body.message, 'string', c.what);
      assert.equal(typeof body.details, 'object', c.what);
      if (c.field) assert.match(body.message, c.field, c.what);
    }
    assert.equal(await jobCount(h), 0, 'no rejected request left a job behind');
  } finally {
    await h.close();
  }
});

test('a replayed submission with the same Idempotency-Key creates nothing new', async () => {
  const h = open();
  try {
    const t = bearer(await tenant(h, 'acme'));
    const headers = { ...t, 'idempotency-key': 'submit-42' };
    // Two concurrent copies and a later retry: exactly one job.
    const [r1, r2] = await Promise.all([
      h.app.inject({ method: 'POST', url: '/v1/jobs', headers, payload: job() }),
      h.app.inject({ method: 'POST', url: '/v1/jobs', headers, payload: job() }),
    ]);
    const statuses = [r1.statusCode, r2.statusCode].sort();
    assert.deepEqual(statuses, [201, 409]);
    const created = (r1.statusCode === 201 ? r1 : r2).json<{ id: string }>().id;
    const r3 = await h.app.inject({ method: 'POST', url: '/v1/jobs', headers, payload: job() });
    assert.equal(r3.statusCode, 409);
    assert.deepEqual(r3.json(), { code: 'duplicate_submission', message: r3.json<{ message: string }>().message, details: { jobId: created } });
    const r4 = await h.app.inject({ method: 'POST', url: '/v1/jobs', headers, payload: job({ name: 'other' }) });
    assert.equal(r4.statusCode, 422);
    assert.equal(r4.json<{ code: string }>().code, 'idempotency_key_reused');
    assert.equal(await jobCount(h), 1);
  } finally {
    await h.close();
  }
});

test('life of a job: placed on a node, launched through the agent gateway, logs and events, finished', async () => {
  const h = open();
  try {
    const t = bearer(await tenant(h, 'acme'));
    await node(h, 'n1');
    const id = (await h.app.inject({ method: 'POST', url: '/v1/jobs', headers: t, payload: job({ env: { SEED: '1' } }) })).json<{ id: string }>().id;
    await h.coord.runCycle();
    const hb = await h.app.inject({ method: 'POST', url: '/v1/nodes/n1/heartbeat', headers: agent, payload: {} });
    const cmds = hb.json<{ commands: { type: string; jobId: string; command: string[]; env: object }[] }>().commands;
    assert.deepEqual(cmds.map((c) => [c.type, c.jobId, c.command, c.env]), [['LaunchJob', id, ['node', 'train.js'], { SEED: '1', FAIRWAY_TENANT: 'acme' }]]);
    assert.equal((await h.app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: t })).json<{ state: string }>().state, 'running');
    const nodes = (await h.app.inject({ method: 'GET', url: '/v1/nodes', headers: t })).json<{ nodes: { allocated: { cpuMilli: number } }[] }>().nodes;
    assert.equal(nodes[0]!.allocated.cpuMilli, 1000);
    await h.app.inject({ method: 'POST', url: '/v1/nodes/n1/heartbeat', headers: agent, payload: {
      reports: [{ type: 'started', jobId: id }], logs: [{ jobId: id, line: 'epoch 1 loss 0.5' }, { jobId: id, stream: 'stderr', line: 'warn' }],
      telemetry: [{ cpu: 0.9, memoryMiB: 200 }],
    } });
    await h.app.inject({ method: 'POST', url: '/v1/nodes/n1/heartbeat', headers: agent, payload: { reports: [{ type: 'exited', jobId: id, exitCode: 0 }] } });
    const done = (await h.app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: t })).json<{ state: string; exitCode: number }>();
    assert.deepEqual([done.state, done.exitCode], ['succeeded', 0]);
    const logs = (await h.app.inject({ method: 'GET', url: `/v1/jobs/${id}/logs`, headers: t })).json<{ lines: { line: string; stream: string }[] }>().lines;
    assert.deepEqual(logs.map((l) => [l.stream, l.line]), [['stdout', 'epoch 1 loss 0.5'], ['stderr', 'warn']]);
    const events = (await h.app.inject({ method: 'GET', url: `/v1/jobs/${id}/events`, headers: t })).json<{ events: { type: string }[] }>().events;
    assert.deepEqual(events.map((e) => e.type), ['submitted', 'placed', 'started', 'succeeded']);
    const after = (await h.app.inject({ method: 'GET', url: '/v1/nodes', headers: t })).json<{ nodes: { allocated: { cpuMilli: number } }[] }>().nodes;
    assert.equal(after[0]!.allocated.cpuMilli, 0, 'resources released');
    const cancel = await h.app.inject({ method: 'POST', url: `/v1/jobs/${id}/cancel`, headers: t });
    assert.equal(cancel.statusCode, 409, 'a finished job cannot be cancelled');
  } finally {
    await h.close();
  }
});

test('why waiting: a pending job shows its position and per-plugin reasons; cancel stops a running job', async () => {
  const h = open();
  try {
    const t = bearer(await tenant(h, 'acme'));
    await node(h, 'n1', 4, 8192);
    const big = job({ request: { cpu: 3, memoryMiB: 256 } });
    const first = (await h.app.inject({ method: 'POST', url: '/v1/jobs', headers: t, payload: big })).json<{ id: string }>().id;
    const second = (await h.app.inject({ method: 'POST', url: '/v1/jobs', headers: t, payload: big })).json<{ id: string }>().id;
    await h.coord.runCycle();
    const view = (await h.app.inject({ method: 'GET', url: `/v1/jobs/${second}`, headers: t })).json<{ state: string; waiting: { position: number; queueLength: number; reasons: { plugin: string; code: string; dimension?: string }[] } }>();
    assert.equal(view.state, 'pending');
    assert.equal(view.waiting.position, 1, '1-based: first in the queue');
    assert.equal(view.waiting.queueLength, 1);
    assert.ok(view.waiting.reasons.some((r) => r.code === 'insufficient' && r.dimension === 'cpuMilli'), JSON.stringify(view.waiting.reasons));
    // Cancelling the running job sends StopJob to its node and frees room for the waiting one.
    assert.equal((await h.app.inject({ method: 'DELETE', url: `/v1/jobs/${first}`, headers: t })).json<{ state: string }>().state, 'cancelled');
    await h.coord.runCycle();
    const cmds = (await h.app.inject({ method: 'POST', url: '/v1/nodes/n1/heartbeat', headers: agent, payload: {} })).json<{ commands: { type: string; jobId: string }[] }>().commands;
    assert.deepEqual(cmds.map((c) => [c.type, c.jobId]), [['LaunchJob', first], ['StopJob', first], ['LaunchJob', second]]);
  } finally {
    await h.close();
  }
});

test('a drained node receives no new work until undrained', async () => {
  const h = open();
  try {
    const t = bearer(await tenant(h, 'acme'));
    await node(h, 'n1');
    assert.equal((await h.app.inject({ method: 'POST', url: '/v1/nodes/n1/drain', headers: t })).statusCode, 403);
    assert.equal((await h.app.inject({ method: 'POST', url: '/v1/nodes/n1/drain', headers: admin })).json<{ status: string }>().status, 'draining');
    const id = (await h.app.inject({ method: 'POST', url: '/v1/jobs', headers: t, payload: job() })).json<{ id: string }>().id;
    await h.coord.runCycle();
    assert.equal((await h.app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: t })).json<{ state: string }>().state, 'pending');
    await h.app.inject({ method: 'POST', url: '/v1/nodes/n1/undrain', headers: admin });
    await h.coord.runCycle();
    assert.equal((await h.app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: t })).json<{ state: string }>().state, 'running');
  } finally {
    await h.close();
  }
});

test('job lists page newest first with a cursor and filter by state', async () => {
  const h = open();
  try {
    const t = bearer(await tenant(h, 'acme'));
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await h.app.inject({ method: 'POST', url: '/v1/jobs', headers: t, payload: job({ name: `j${i}` }) })).json<{ id: string }>().id);
    await h.app.inject({ method: 'POST', url: `/v1/jobs/${ids[0]}/cancel`, headers: t });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/v1/jobs?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page: { jobs: { id: string }[]; nextCursor: string | null } = (await h.app.inject({ method: 'GET', url, headers: t })).json();
      seen.push(...page.jobs.map((j) => j.id));
      cursor = page.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, [...ids].reverse());
    const cancelled = (await h.app.inject({ method: 'GET', url: '/v1/jobs?state=cancelled', headers: t })).json<{ jobs: { id: string }[] }>().jobs;
    assert.deepEqual(cancelled.map((j) => j.id), [ids[0]]);
  } finally {
    await h.close();
  }
});

test('state survives a restart: jobs, tenants and tokens come back and pending jobs are scheduled', async () => {
  const h = open();
  const t = bearer(await tenant(h, 'acme'));
  await node(h, 'n1', 2, 4096);
  const a = (await h.app.inject({ method: 'POST', url: '/v1/jobs', headers: t, payload: job({ request: { cpu: 2 } }) })).json<{ id: string }>().id;
  const b = (await h.app.inject({ method: 'POST', url: '/v1/jobs', headers: t, payload: job({ request: { cpu: 2 } }) })).json<{ id: string }>().id;
  await h.coord.runCycle();
  await h.close(true);
  const h2 = open(h.dir);
  try {
    assert.equal((await h2.app.inject({ method: 'GET', url: `/v1/jobs/${a}`, headers: t })).json<{ state: string }>().state, 'running');
    assert.equal((await h2.app.inject({ method: 'GET', url: `/v1/jobs/${b}`, headers: t })).json<{ state: string }>().state, 'pending');
    await h2.app.inject({ method: 'POST', url: '/v1/nodes/n1/heartbeat', headers: agent, payload: { reports: [{ type: 'exited', jobId: a, exitCode: 1 }] } });
    await h2.coord.runCycle();
    assert.equal((await h2.app.inject({ method: 'GET', url: `/v1/jobs/${a}`, headers: t })).json<{ state: string }>().state, 'failed');
    assert.equal((await h2.app.inject({ method: 'GET', url: `/v1/jobs/${b}`, headers: t })).json<{ state: string }>().state, 'running');
    const c = (await h2.app.inject({ method: 'POST', url: '/v1/jobs', headers: t, payload: job() })).json<{ id: string }>().id;
    assert.ok(![a, b].includes(c), 'ids stay unique across restarts');
  } finally {
    await h2.close();
  }
});

test('openapi, fairness, cluster and metrics endpoints answer', async () => {
  const h = open();
  try {
    const doc = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json<{ openapi: string; paths: Record<string, object> }>();
    assert.equal(doc.openapi, '3.1.0');
    assert.ok(doc.paths['/v1/jobs'] && doc.paths['/v1/tenants'] && doc.paths['/v1/nodes/{id}/heartbeat']);
    const ta = bearer(await tenant(h, 'a', { weight: 1 }));
    const tb = bearer(await tenant(h, 'b', { weight: 3 }));
    await node(h, 'n1', 8, 8192);
    await h.app.inject({ method: 'POST', url: '/v1/jobs', headers: ta, payload: job({ request: { cpu: 4 } }) });
    await h.app.inject({ method: 'POST', url: '/v1/jobs', headers: tb, payload: job({ request: { cpu: 4 } }) });
    await h.coord.runCycle();
    const f = (await h.app.inject({ method: 'GET', url: '/v1/fairness', headers: admin })).json<{ jainRaw: number; jainNormalised: number; tenants: { tenant: string; share: number; fairShare: number; rho: number }[] }>();
    // Both hold cpu 4/8 = 0.5 of the cluster → raw Jain 1. Each asks for exactly what it holds, so the demand-capped
    // weighted DRF fair share is 0.5 for both (weights do not matter below demand) → ρ = 1 each → normalised Jain 1.
    assert.equal(f.jainRaw, 1);
    assert.equal(f.jainNormalised, 1);
    assert.deepEqual(f.tenants.map((t) => [t.tenant, t.share, t.fairShare, t.rho]), [['a', 0.5, 0.5, 1], ['b', 0.5, 0.5, 1]]);
    // A tenant token sees its own row and the cluster-wide index (views.ts, visibleFairness).
    const own = (await h.app.inject({ method: 'GET', url: '/v1/fairness', headers: ta })).json<{ jainRaw: number; tenants: { tenant: string }[] }>();
    assert.deepEqual([own.jainRaw, own.tenants.map((t) => t.tenant)], [1, ['a']]);
    const cl = (await h.app.inject({ method: 'GET', url: '/v1/cluster', headers: ta })).json<{ utilisation: { cpuMilli: number }; queueLength: number }>();
    assert.deepEqual([cl.utilisation.cpuMilli, cl.queueLength], [1, 0]);
    assert.equal((await h.app.inject({ method: 'GET', url: '/metrics', headers: ta })).statusCode, 403);
    const m = await h.app.inject({ method: 'GET', url: '/metrics', headers: admin });
    assert.match(m.body, /^fairway_placements_total 2$/m);
    assert.match(m.body, /^fairway_tenant_share\{tenant="a"\} 0\.5$/m);
    assert.match(m.body, /^fairway_jain_index\{kind="raw"\} 1$/m);
  } finally {
    await h.close();
  }
});

test('the event stream (SSE) shows a tenant its own job changes only', async () => {
  const h = open();
  try {
    const a = await tenant(h, 'a');
    const b = await tenant(h, 'b');
    const url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    const stop = new AbortController();
    const res = await fetch(`${url}/v1/events`, { headers: bearer(a), signal: stop.signal });
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    const reader = res.body!.getReader();
    await reader.read(); // ': connected'
    await h.app.inject({ method: 'POST', url: '/v1/jobs', headers: bearer(b), payload: job({ name: 'not-mine' }) });
    const mine = (await h.app.inject({ method: 'POST', url: '/v1/jobs', headers: bearer(a), payload: job({ name: 'mine' }) })).json<{ id: string }>().id;
    let text = '';
    while (!text.includes(mine)) text += new TextDecoder().decode((await reader.read()).value);
    stop.abort();
    const events = text.split('\n\n').filter((blk) => blk.startsWith('event:')).map((blk) => JSON.parse(blk.split('\ndata: ')[1]!) as { tenant: string; jobId: string; state: string });
    assert.deepEqual(events.map((e) => [e.tenant, e.jobId, e.state]), [['a', mine, 'pending']]);
  } finally {
    await h.close();
  }
});

test('a node that misses heartbeats is lost: its jobs return to the queue and it must register again', async () => {
  let nowMs = 1_000_000;
  const dir = mkdtempSync(join(tmpdir(), 'fw-app-'));
  const store = new SqliteStore(join(dir, 'fairway.db'), { sync: 'normal' });
  const auth = new Authenticator(ADMIN, JOIN);
  const coord = new Coordinator({ store, auth, clock: () => nowMs, fairnessIntervalMs: 0, nodeTimeoutMs: 300, cycleIntervalMs: 60_000 });
  const app = buildApp({ coordinator: coord, auth });
  try {
    const t = bearer((await app.inject({ method: 'POST', url: '/v1/tenants', headers: admin, payload: { id: 'acme' } })).json<{ token: string }>().token);
    await app.inject({ method: 'POST', url: '/v1/nodes', headers: agent, payload: { id: 'n1', capacity: { cpu: 4, memoryMiB: 4096 } } });
    const id = (await app.inject({ method: 'POST', url: '/v1/jobs', headers: t, payload: job() })).json<{ id: string }>().id;
    await coord.runCycle();
    assert.equal((await app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: t })).json<{ state: string }>().state, 'running');
    nowMs += 10_000; // far past the 300 ms timeout; the check runs every 100 ms of real time
    for (let i = 0; i < 100; i++) {
      await new Promise((r) => setTimeout(r, 20));
      await coord.settle();
      if ((await app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: t })).json<{ state: string }>().state === 'pending') break;
    }
    const after = (await app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: t })).json<{ state: string; nodeIds: string[] }>();
    assert.deepEqual([after.state, after.nodeIds], ['pending', []]);
    assert.equal((await app.inject({ method: 'GET', url: '/v1/nodes', headers: t })).json<{ nodes: { status: string }[] }>().nodes[0]!.status, 'down');
    const hb = await app.inject({ method: 'POST', url: '/v1/nodes/n1/heartbeat', headers: agent, payload: {} });
    assert.equal(hb.statusCode, 409);
    const events = (await app.inject({ method: 'GET', url: `/v1/jobs/${id}/events`, headers: t })).json<{ events: { type: string }[] }>().events.map((e) => e.type);
    assert.deepEqual(events, ['submitted', 'placed', 'preempted']);
  } finally {
    await coord.close();
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
