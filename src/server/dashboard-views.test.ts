// The coordinator data behind the dashboard's Cluster, Tenants and Jobs views (issue 8): per-node load forecasts
// with their band, per-tenant grid usage, what a tenant token sees of /v1/fairness, and the estimated start of a
// pending job with how it was made (or why there is none). Real SQLite store, real embedded grid, in-process HTTP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { Authenticator } from './auth.ts';
import { Coordinator, type CoordinatorOptions } from './coordinator.ts';
import { SqliteStore } from './store/sqlite-store.ts';
import { connectGrid } from '../grid/connect.ts';
import { startEstimate, visibleFairness, visibleMigrations, type WaitExplanation } from './views.ts';
import type { ClusterView, FairnessView, JobView, MigrationView } from '../wire/schemas.ts';
import * as W from '../wire/schemas.ts';
import { BUILTIN_PROFILES } from '../core/scheduler/profiles.ts';

const ADMIN = 'admin-token-for-view-tests';
const JOIN = 'join-token-for-view-tests';
const admin = { authorization: `Bearer ${ADMIN}` };
const agent = { authorization: `Bearer ${JOIN}` };

interface Harness { app: FastifyInstance; coord: Coordinator; close(): Promise<void> }

function open(extra: Partial<CoordinatorOptions> = {}, clock?: () => number): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'fw-views-'));
  const store = new SqliteStore(join(dir, 'fairway.db'), { sync: 'normal' });
  const auth = new Authenticator(ADMIN, JOIN);
  // Forecast steps far apart: the test drives them with forecastTick().
  const coord = new Coordinator({ store, auth, fairnessIntervalMs: 0, nodeTimeoutMs: 0, cycleIntervalMs: 60_000, forecast: { stepMs: 3_600_000, horizonSteps: 6 }, ...(clock ? { clock } : {}), ...extra });
  const app = buildApp({ coordinator: coord, auth });
  return { app, coord, async close() { await coord.close(); await app.close(); await store.close(); rmSync(dir, { recursive: true, force: true }); } };
}

async function call<T>(h: Harness, method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload?: unknown): Promise<T> {
  const r = await h.app.inject({ method, url, headers, ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) });
  assert.ok(r.statusCode < 300, `${method} ${url} → ${r.statusCode}: ${r.body}`);
  return r.json<T>();
}

test('/v1/cluster: a node with telemetry gets a load forecast with its band per dimension; one without gets none', async () => {
  let now = Date.UTC(2026, 10, 29, 12, 0, 0);
  const h = open({}, () => now);
  try {
    await call(h, 'POST', '/v1/nodes', agent, { id: 'n1', capacity: { cpu: 4, memoryMiB: 8000 } });
    await call(h, 'POST', '/v1/nodes', agent, { id: 'n2', capacity: { cpu: 2, memoryMiB: 1000 } });
    const before = await call<ClusterView>(h, 'GET', '/v1/cluster', admin);
    assert.deepEqual(before.forecasts, []);
    assert.match(before.forecastNote ?? '', /no node has reported telemetry/);
    // n1 reports use that moves around (cores 1, 2, 1, 3 of 4; memory 2000, 4000, 2000, 6000 of 8000 MiB), n2 nothing.
    const cpus = [1, 2, 1, 3];
    for (const cpu of cpus) {
      await call(h, 'POST', '/v1/nodes/n1/heartbeat', agent, { telemetry: [{ cpu, memoryMiB: cpu * 2000 }] });
      h.coord.forecastTick();
      now += 3_600_000;
    }
    const c = await call<ClusterView>(h, 'GET', '/v1/cluster', admin);
    W.ClusterView.parse(c);
    assert.equal(c.forecastNote, undefined);
    assert.deepEqual(c.forecasts.map((f) => [f.nodeId, f.dimension, f.source]), [['n1', 'cpuMilli', 'telemetry'], ['n1', 'memMiB', 'telemetry']]);
    const cpu = c.forecasts[0]!;
    // Observed loads as fractions of capacity: cores / 4.
    assert.deepEqual(cpu.observed.map((o) => o.value), [0.25, 0.5, 0.25, 0.75]);
    assert.equal(cpu.points.length, 6);
    // Step 1 is one step after the last observation (made at the 4th tick, 3 steps after the first).
    assert.equal(Date.parse(cpu.points[0]!.at) - Date.parse(cpu.observed[3]!.at), 3_600_000);
    // Four values are a warm-up for ARIMA: the naive forecast, last value ± 1.96·σ·√h with σ over the differences.
    assert.match(cpu.model, /naive/);
    for (const p of cpu.points) assert.equal(p.mean, 0.75);
    const sigma = Math.sqrt((0.25 ** 2 + 0.25 ** 2 + 0.5 ** 2) / 3);
    assert.ok(Math.abs(cpu.points[0]!.hi - (0.75 + 1.96 * sigma)) < 1e-9);
    assert.ok(Math.abs(cpu.points[5]!.lo - (0.75 - 1.96 * sigma * Math.sqrt(6))) < 1e-9);
    assert.ok(cpu.points.every((p) => p.lo < p.mean && p.mean < p.hi), 'a band, not a line');
    assert.deepEqual(c.migrations, { planned: [], recent: [], balancer: false });
  } finally {
    await h.close();
  }
});

test('/v1/cluster: after its warm-up (30 to 59 observations, by node) the forecast is ARIMA and the band widens with the horizon', async () => {
  let now = Date.UTC(2026, 10, 29, 12, 0, 0);
  const h = open({}, () => now);
  try {
    await call(h, 'POST', '/v1/nodes', agent, { id: 'n1', capacity: { cpu: 10, memoryMiB: 1000 } });
    // An AR(1)-like load around 5 cores, deterministic.
    let x = 5;
    for (let i = 0; i < 60; i++) {
      x = 5 + 0.6 * (x - 5) + ((i * 7919) % 13) / 13 - 0.5;
      await call(h, 'POST', '/v1/nodes/n1/heartbeat', agent, { telemetry: [{ cpu: Number(x.toFixed(3)), memoryMiB: 500 }] });
      h.coord.forecastTick();
      now += 3_600_000;
    }
    const c = await call<ClusterView>(h, 'GET', '/v1/cluster', admin);
    const cpu = c.forecasts.find((f) => f.dimension === 'cpuMilli')!;
    assert.equal(cpu.model, 'ARIMA(1,0,1)');
    const width = cpu.points.map((p) => p.hi - p.lo);
    assert.ok(width[5]! >= width[0]! && width[0]! > 0, `band widths ${width.join(', ')}`);
  } finally {
    await h.close();
  }
});

test('/v1/fairness: grid usage per tenant; a tenant token sees its own row and the cluster-wide index only', async () => {
  const grid = await connectGrid('embedded');
  const h = open({ grid });
  try {
    await call(h, 'POST', '/v1/nodes', agent, { id: 'n1', capacity: { cpu: 4, memoryMiB: 8000 } });
    const acme = (await call<{ token: string }>(h, 'POST', '/v1/tenants', admin, { id: 'acme', weight: 2 })).token;
    const globex = (await call<{ token: string }>(h, 'POST', '/v1/tenants', admin, { id: 'globex' })).token;
    // acme writes 3 MiB + 1 byte in two keys and reads one back once (a hit) and a missing key once (a miss).
    const ns = grid.namespace('acme');
    await ns.set('a', new Uint8Array(2 * 1024 * 1024));
    await ns.set('b', new Uint8Array(1024 * 1024 + 1));
    assert.ok(await ns.get('a'));
    assert.equal(await ns.get('nope'), undefined);
    await h.coord.refreshGridUsage();

    const all = await call<FairnessView>(h, 'GET', '/v1/fairness', admin);
    W.FairnessView.parse(all);
    assert.equal(all.visibility, 'all');
    assert.equal(all.grid?.kind, 'embedded');
    // Neither tenant has work, so neither has a fairness row; both have a grid row. 3 MiB + 1 byte → 4 MiB
    // (rounded up); 1 hit of 2 reads.
    assert.deepEqual(all.tenants, []);
    assert.equal(all.tenantCount, 2);
    assert.deepEqual(all.grid?.tenants, [
      { tenant: 'acme', bytes: 3 * 1024 * 1024 + 1, memMiB: 4, keys: 2, hitRatio: 0.5, evictions: 0 },
      { tenant: 'globex', bytes: 0, memMiB: 0, keys: 0, hitRatio: null, evictions: 0 },
    ]);
    // With work, acme gets its fairness row too.
    await call(h, 'POST', '/v1/jobs', { authorization: `Bearer ${acme}` }, { name: 'j', request: { cpu: 1 }, command: ['x'] });
    const withWork = await call<FairnessView>(h, 'GET', '/v1/fairness', admin);
    assert.deepEqual(withWork.tenants.map((t) => t.tenant), ['acme']);

    const own = await call<FairnessView>(h, 'GET', '/v1/fairness', { authorization: `Bearer ${acme}` });
    assert.equal(own.visibility, 'own');
    assert.deepEqual(own.tenants.map((t) => t.tenant), ['acme']);
    assert.equal(own.tenantCount, 2);
    assert.equal(own.jainRaw, withWork.jainRaw);
    assert.deepEqual(own.grid?.tenants.map((t) => [t.tenant, t.keys]), [['acme', 2]]);
    const other = await call<FairnessView>(h, 'GET', '/v1/fairness', { authorization: `Bearer ${globex}` });
    assert.deepEqual(other.tenants, []);
    assert.deepEqual(other.grid?.tenants.map((t) => t.tenant), ['globex']);
    assert.doesNotMatch(JSON.stringify(other), /acme/, "nothing of acme's reaches globex");
    const agentView = await call<FairnessView>(h, 'GET', '/v1/fairness', agent);
    assert.deepEqual([agentView.tenants, agentView.grid?.tenants], [[], []]);
    const metrics = await h.app.inject({ method: 'GET', url: '/metrics', headers: admin });
    assert.match(metrics.body, new RegExp(`^fairway_tenant_grid_bytes\\{tenant="acme"\\} ${3 * 1024 * 1024 + 1}$`, 'm'));
  } finally {
    await h.close();
  }
});

test('a pending job says when it is expected to start and how, or why there is no estimate', async () => {
  const h = open({ cycleIntervalMs: 10 });
  try {
    const tok = (await call<{ token: string }>(h, 'POST', '/v1/tenants', admin, { id: 'acme' })).token;
    const t = { authorization: `Bearer ${tok}` };
    await call(h, 'POST', '/v1/nodes', agent, { id: 'n1', capacity: { cpu: 1, memoryMiB: 1000 } });
    const long = await call<JobView>(h, 'POST', '/v1/jobs', t, { name: 'long', request: { cpu: 1 }, command: ['x'] });
    await h.coord.runCycle();
    const waits = await call<JobView>(h, 'POST', '/v1/jobs', t, { name: 'waits', request: { cpu: 1 }, command: ['x'] });
    await h.coord.runCycle();
    const v = await call<JobView>(h, 'GET', `/v1/jobs/${waits.id}`, t);
    W.JobView.parse(v);
    assert.equal((await call<JobView>(h, 'GET', `/v1/jobs/${long.id}`, t)).state, 'running');
    // The running job has no expected duration: no estimate, and the page is told why (no reservation under 2 h).
    assert.equal(v.waiting?.estimatedStartAt, null);
    assert.equal(v.waiting?.estimate?.basis, 'none');
    assert.match(v.waiting!.estimate!.note, /no reservation yet: not a starving job \(nodes are held for a job once it has waited 2 h/);
    assert.match(v.waiting!.estimate!.note, /running jobs have no expected duration/);
    assert.equal(v.waiting?.reservation, null);
  } finally {
    await h.close();
  }
});

test('with an expected duration, the queue-based estimate is the running job’s expected end', async () => {
  let now = Date.UTC(2026, 10, 29, 12, 0, 0);
  const h = open({ cycleIntervalMs: 10 }, () => now);
  try {
    const tok = (await call<{ token: string }>(h, 'POST', '/v1/tenants', admin, { id: 'acme' })).token;
    const t = { authorization: `Bearer ${tok}` };
    await call(h, 'POST', '/v1/nodes', agent, { id: 'n1', capacity: { cpu: 1, memoryMiB: 1000 } });
    const long = await call<JobView>(h, 'POST', '/v1/jobs', t, { name: 'long', request: { cpu: 1 }, command: ['x'], expectedDurationMs: 600_000 });
    await h.coord.runCycle();
    now += 5000;
    await call(h, 'POST', '/v1/nodes/n1/heartbeat', agent, { reports: [{ type: 'started', jobId: long.id }] });
    now += 5000;
    const waits = await call<JobView>(h, 'POST', '/v1/jobs', t, { name: 'waits', request: { cpu: 1 }, command: ['x'] });
    await h.coord.runCycle();
    const v = await call<JobView>(h, 'GET', `/v1/jobs/${waits.id}`, t);
    assert.equal(v.waiting?.estimate?.basis, 'queue');
    const placedAt = (await call<{ events: { type: string; at: string }[] }>(h, 'GET', `/v1/jobs/${long.id}/events`, t)).events.find((e) => e.type === 'placed')!.at;
    // Placed + 10 min (the core counts a job's run from its placement).
    assert.equal(Date.parse(v.waiting!.estimatedStartAt!) - Date.parse(placedAt), 600_000);
  } finally {
    await h.close();
  }
});

test('startEstimate: a reservation’s estimate first; every missing estimate has a reason', () => {
  const base: WaitExplanation = { position: 1, queueLength: 1, reasons: [], estimatedStartMs: null, lastCycleMs: null, reservesAfterMs: 7_200_000, starving: false, runningWithoutDuration: false };
  const at = Date.UTC(2026, 10, 29, 13, 0, 0);
  const rows: { name: string; w: WaitExplanation; basis: string; at: number | null; note: RegExp }[] = [
    { name: 'reserved with a shadow time', w: { ...base, starving: true, estimatedStartMs: at + 5, reservation: { jobId: 'j', nodeIds: ['n1', 'n2'], sinceMs: at - 60_000, estimatedStartMs: at } }, basis: 'reservation', at, note: /reserved: n1, n2 held for it since/ },
    { name: 'reserved, running job without duration', w: { ...base, starving: true, reservation: { jobId: 'j', nodeIds: ['n1'], sinceMs: at } }, basis: 'none', at: null, note: /n1 held for it .*no expected duration/ },
    { name: 'never fits', w: { ...base, neverFits: true, estimatedStartMs: at }, basis: 'none', at: null, note: /no node could ever hold it/ },
    { name: 'queue estimate', w: { ...base, estimatedStartMs: at }, basis: 'queue', at, note: /not a starving job.*estimated from the queue/ },
    { name: 'starving, nothing held', w: { ...base, starving: true, runningWithoutDuration: true }, basis: 'none', at: null, note: /starving, but no node could be held/ },
    { name: 'profile without reservations', w: { ...base, reservesAfterMs: null }, basis: 'none', at: null, note: /does not hold nodes.*not enough running work ends/ },
  ];
  for (const r of rows) {
    const e = startEstimate(r.w);
    assert.equal(e.estimate.basis, r.basis, r.name);
    assert.equal(e.estimatedStartAt, r.at === null ? null : new Date(r.at).toISOString(), r.name);
    assert.match(e.estimate.note, r.note, r.name);
    assert.equal(e.reservation === null, r.w.reservation === undefined, r.name);
  }
});

test('visibility: a tenant sees its own migrations and fairness row; the admin sees all', () => {
  const ms: MigrationView[] = [
    { jobId: 'j1', tenant: 'a', phase: 'planned', from: ['n1'], to: ['n2'], at: 'x' },
    { jobId: 'j2', tenant: 'b', phase: 'done', from: ['n2'], to: ['n1'], at: 'y' },
  ];
  assert.deepEqual(visibleMigrations(ms, { kind: 'admin' }).map((m) => m.jobId), ['j1', 'j2']);
  assert.deepEqual(visibleMigrations(ms, { kind: 'tenant', tenantId: 'b' }).map((m) => m.jobId), ['j2']);
  assert.deepEqual(visibleMigrations(ms, { kind: 'agent' }), []);
  const f: FairnessView = {
    at: 'now', jainRaw: 0.8, jainNormalised: 0.9, utilisation: {}, tenantCount: 3,
    tenants: ['a', 'b', 'c'].map((t) => ({ tenant: t, weight: 1, share: 0.1, fairShare: 0.3, rho: 3, running: 0, pending: 0 })),
    grid: { kind: 'embedded', at: null, tenants: ['a', 'b', 'c'].map((t) => ({ tenant: t, bytes: 1, memMiB: 1, keys: 1, hitRatio: null, evictions: 0 })) },
  };
  const own = visibleFairness(f, { kind: 'tenant', tenantId: 'c' });
  assert.deepEqual([own.visibility, own.tenantCount, own.tenants.map((t) => t.tenant), own.grid?.tenants.map((t) => t.tenant), own.jainRaw], ['own', 3, ['c'], ['c'], 0.8]);
  assert.equal(visibleFairness(f, { kind: 'admin' }).tenants.length, 3);
});

test('/v1/events?logs=1 streams each heartbeat’s log lines of the caller’s own jobs; without it, none', async () => {
  const h = open({ cycleIntervalMs: 10 });
  try {
    const a = (await call<{ token: string }>(h, 'POST', '/v1/tenants', admin, { id: 'a' })).token;
    const b = (await call<{ token: string }>(h, 'POST', '/v1/tenants', admin, { id: 'b' })).token;
    await call(h, 'POST', '/v1/nodes', agent, { id: 'n1', capacity: { cpu: 4, memoryMiB: 1000 } });
    const ja = (await call<JobView>(h, 'POST', '/v1/jobs', { authorization: `Bearer ${a}` }, { name: 'ja', request: { cpu: 1 }, command: ['x'] })).id;
    const jb = (await call<JobView>(h, 'POST', '/v1/jobs', { authorization: `Bearer ${b}` }, { name: 'jb', request: { cpu: 1 }, command: ['x'] })).id;
    await h.coord.runCycle();
    const url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    const refused = await fetch(`${url}/v1/events?logs=1`, { headers: agent });
    assert.equal(refused.status, 403, 'an agent token reads no job logs');
    const stop = new AbortController();
    const open_ = async (q: string): Promise<ReadableStreamDefaultReader<Uint8Array>> => {
      const res = await fetch(`${url}/v1/events${q}`, { headers: { authorization: `Bearer ${a}` }, signal: stop.signal });
      assert.equal(res.status, 200);
      const reader = res.body!.getReader();
      await reader.read(); // ': connected'
      return reader;
    };
    const withLogs = await open_('?logs=1');
    const without = await open_('');
    await call(h, 'POST', '/v1/nodes/n1/heartbeat', agent, { logs: [{ jobId: ja, line: 'step 1' }, { jobId: jb, line: 'secret of b' }, { jobId: ja, stream: 'stderr', line: 'warn' }] });
    // A job change after the logs, so both streams have something to read up to.
    await call(h, 'POST', `/v1/jobs/${ja}/cancel`, { authorization: `Bearer ${a}` });
    const readUntilCancelled = async (r: ReadableStreamDefaultReader<Uint8Array>): Promise<{ type: string; jobId: string; data?: { lines?: unknown } }[]> => {
      let text = '';
      while (!text.includes('"cancelled"')) text += new TextDecoder().decode((await r.read()).value);
      return text.split('\n\n').filter((blk) => blk.startsWith('event:')).map((blk) => JSON.parse(blk.split('\ndata: ')[1]!) as { type: string; jobId: string });
    };
    const got = await readUntilCancelled(withLogs);
    const plain = await readUntilCancelled(without);
    stop.abort();
    assert.deepEqual(got.filter((e) => e.type === 'logs').map((e) => [e.jobId, e.data?.lines]), [[ja, [{ stream: 'stdout', line: 'step 1' }, { stream: 'stderr', line: 'warn' }]]]);
    assert.doesNotMatch(JSON.stringify(got), /secret of b/);
    assert.deepEqual(plain.map((e) => e.type), ['job']);
  } finally {
    await h.close();
  }
});

test('with the predictive balancer on, its own forecast is shown for its dimension (read from its bank, not kept twice)', async () => {
  const h = open({ cycleIntervalMs: 10, balancer: { enabled: true, intervalMs: 30 } });
  try {
    const tok = (await call<{ token: string }>(h, 'POST', '/v1/tenants', admin, { id: 'acme' })).token;
    await call(h, 'POST', '/v1/nodes', agent, { id: 'g1', capacity: { cpu: 4, memoryMiB: 1000, gpu: 2 } });
    await call(h, 'POST', '/v1/jobs', { authorization: `Bearer ${tok}` }, { name: 'j', request: { cpu: 1, gpu: 1 }, command: ['x'] });
    await h.coord.runCycle();
    await call(h, 'POST', '/v1/nodes/g1/heartbeat', agent, { telemetry: [{ cpu: 1, memoryMiB: 100, gpu: 1 }] });
    h.coord.forecastTick();
    // The balancer ticks every 30 ms while a job runs: wait for a few.
    let c: ClusterView | undefined;
    for (let i = 0; i < 200; i++) {
      c = await call<ClusterView>(h, 'GET', '/v1/cluster', admin);
      if ((c.forecasts.find((f) => f.source === 'balancer')?.observed.length ?? 0) >= 3) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    W.ClusterView.parse(c);
    assert.equal(c!.migrations.balancer, true);
    // CPU and memory from the coordinator's telemetry forecaster; GPU (the balancer's dimension) from the balancer only.
    assert.deepEqual(c!.forecasts.map((f) => [f.dimension, f.source]), [['cpuMilli', 'telemetry'], ['gpuMilli', 'balancer'], ['memMiB', 'telemetry']]);
    const gpu = c!.forecasts[1]!;
    // The balancer's step is its tick interval; its band is its own z (1 by default); the load it saw: 1 of 2 GPUs.
    assert.deepEqual([gpu.stepMs, gpu.z, gpu.observed.at(-1)!.value], [30, 1, 0.5]);
  } finally {
    await h.close();
  }
});

test('the balancer’s migrations: under way while the target is held, then done; a tenant sees its own jobs’ only', async () => {
  // Ticks of 30 ms make a short forecast horizon: moves cost nothing here (no snapshot, no pause) so one is worth it.
  const h = open({ cycleIntervalMs: 10, profile: 'fifo-greedy', balancer: { enabled: true, intervalMs: 30, snapshotMiBPerGpu: 0, pauseMs: 0 } });
  try {
    const a = { authorization: `Bearer ${(await call<{ token: string }>(h, 'POST', '/v1/tenants', admin, { id: 'a' })).token}` };
    const b = { authorization: `Bearer ${(await call<{ token: string }>(h, 'POST', '/v1/tenants', admin, { id: 'b' })).token}` };
    // Two 4-GPU jobs fill n1 (placed before n2 exists), then n2 registers empty; both run near full use → n1 is hot.
    await call(h, 'POST', '/v1/nodes', agent, { id: 'n1', capacity: { cpu: 32, memoryMiB: 65536, gpu: 8 } });
    const mov = (await call<JobView>(h, 'POST', '/v1/jobs', a, { name: 'mov', request: { cpu: 1, gpu: 4 }, command: ['x'], migratable: true })).id;
    const pin = (await call<JobView>(h, 'POST', '/v1/jobs', a, { name: 'pin', request: { cpu: 1, gpu: 4 }, command: ['x'], migratable: false })).id;
    await h.coord.runCycle();
    await call(h, 'POST', '/v1/nodes/n1/heartbeat', agent, { reports: [{ type: 'started', jobId: mov }, { type: 'started', jobId: pin }] });
    await call(h, 'POST', '/v1/nodes', agent, { id: 'n2', capacity: { cpu: 32, memoryMiB: 65536, gpu: 8 } });
    let planned: ClusterView['migrations']['planned'] = [];
    for (let i = 0; i < 200 && planned.length === 0; i++) {
      await call(h, 'POST', '/v1/nodes/n1/heartbeat', agent, { telemetry: [{ jobId: mov, cpu: 1, memoryMiB: 10, gpu: 3.9 }, { jobId: pin, cpu: 1, memoryMiB: 10, gpu: 3.9 }] });
      await new Promise((r) => setTimeout(r, 20));
      planned = (await call<ClusterView>(h, 'GET', '/v1/cluster', admin)).migrations.planned;
    }
    assert.deepEqual(planned.map((m) => [m.jobId, m.tenant, m.phase, m.from, m.to]), [[mov, 'a', 'planned', ['n1'], ['n2']]]);
    assert.ok(planned[0]!.reason, 'the balancer says why');
    await call(h, 'POST', '/v1/nodes/n1/heartbeat', agent, { reports: [{ type: 'migrated', jobId: mov, toNodeIds: ['n2'] }] });
    const after = (await call<ClusterView>(h, 'GET', '/v1/cluster', a)).migrations;
    assert.deepEqual(after.planned, []);
    assert.deepEqual(after.recent.map((m) => [m.jobId, m.phase]), [[mov, 'done'], [mov, 'planned']]);
    const other = (await call<ClusterView>(h, 'GET', '/v1/cluster', b)).migrations;
    assert.deepEqual([other.planned, other.recent], [[], []]);
  } finally {
    await h.close();
  }
});

test('a starving job that holds nodes shows the reservation and its estimated start there (backfilling’s shadow time)', async () => {
  let now = Date.UTC(2026, 10, 29, 12, 0, 0);
  const fairway = BUILTIN_PROFILES.fairway!;
  // The fairway profile with a 1 s starvation guard instead of 2 h, so the test need not wait.
  const h = open({ profile: { ...fairway, name: 'fairway-fast-guard', priority: { ...fairway.priority, starvationGuardMs: 1000 } } }, () => now);
  try {
    const a = { authorization: `Bearer ${(await call<{ token: string }>(h, 'POST', '/v1/tenants', admin, { id: 'a' })).token}` };
    const b = { authorization: `Bearer ${(await call<{ token: string }>(h, 'POST', '/v1/tenants', admin, { id: 'b' })).token}` };
    await call(h, 'POST', '/v1/nodes', agent, { id: 'n1', capacity: { cpu: 2, memoryMiB: 1000 } });
    const long = (await call<JobView>(h, 'POST', '/v1/jobs', a, { name: 'long', request: { cpu: 1 }, command: ['x'], expectedDurationMs: 600_000, preemptible: false })).id;
    await h.coord.runCycle();
    const placedAt = now;
    now += 1000;
    // b's job needs the whole node; b holds nothing (within its fair share), so after the guard it starves.
    const big = (await call<JobView>(h, 'POST', '/v1/jobs', b, { name: 'big', request: { cpu: 2 }, command: ['x'] })).id;
    await h.coord.runCycle();
    now += 5000;
    await h.coord.runCycle();
    const v = await call<JobView>(h, 'GET', `/v1/jobs/${big}`, b);
    assert.equal((await call<JobView>(h, 'GET', `/v1/jobs/${long}`, a)).state, 'running');
    assert.deepEqual(v.waiting?.reservation?.nodeIds, ['n1']);
    assert.equal(v.waiting?.estimate?.basis, 'reservation');
    // n1 frees when `long` is expected to end: placed + 10 min.
    assert.equal(v.waiting?.estimatedStartAt, new Date(placedAt + 600_000).toISOString());
    assert.equal(v.waiting?.reservation?.estimatedStartAt, v.waiting?.estimatedStartAt);
    assert.match(v.waiting!.estimate!.note, /^reserved: n1 held for it since /);
  } finally {
    await h.close();
  }
});

test('/v1/events rejects a malformed logs flag with a 400 before the stream starts', async () => {
  const h = open();
  try {
    const r = await h.app.inject({ method: 'GET', url: '/v1/events?logs=yes', headers: admin });
    assert.equal(r.statusCode, 400, r.body);
    assert.equal(r.json<{ code: string }>().code, 'invalid_input');
  } finally {
    await h.close();
  }
});

test('grid memory counts in a tenant\'s share: /v1/fairness shows it, and the tenant holding it waits behind an equal one (unless --no-grid-shares)', async () => {
  const order = async (gridInShares: boolean): Promise<{ first: string; acmeShare: number | undefined }> => {
    const grid = await connectGrid('embedded');
    const h = open({ grid, gridInShares });
    try {
      await call(h, 'POST', '/v1/nodes', agent, { id: 'n1', capacity: { cpu: 4, memoryMiB: 64 } });
      await call(h, 'POST', '/v1/tenants', admin, { id: 'acme' });
      await call(h, 'POST', '/v1/tenants', admin, { id: 'globex' });
      // acme keeps 32 MiB in the grid: half the cluster's memory.
      await grid.namespace('acme').set('cache', new Uint8Array(32 * 1024 * 1024));
      await h.coord.refreshGridUsage();
      // Each job needs the whole node; acme asks first.
      const job = (tenant: string) => call<{ id: string }>(h, 'POST', '/v1/jobs', admin, { tenant, name: `${tenant}-job`, request: { cpu: 4, memoryMiB: 16 }, command: ['x'] });
      const a = await job('acme');
      const g = await job('globex');
      await h.coord.runCycle();
      const state = async (id: string) => (await call<JobView>(h, 'GET', `/v1/jobs/${id}`, admin)).state;
      const running = [(await state(a.id)) === 'running' ? 'acme' : null, (await state(g.id)) === 'running' ? 'globex' : null].filter((x) => x !== null);
      assert.equal(running.length, 1, `one job fits: ${running.join(',')}`);
      const f = await call<FairnessView>(h, 'GET', '/v1/fairness', admin);
      return { first: running[0]!, acmeShare: f.tenants.find((t) => t.tenant === 'acme')?.share };
    } finally {
      await h.close();
    }
  };
  const charged = await order(true);
  assert.equal(charged.first, 'globex');
  assert.ok(charged.acmeShare !== undefined && charged.acmeShare >= 0.5, `acme's share includes its grid memory: ${charged.acmeShare}`);
  const notCharged = await order(false);
  assert.equal(notCharged.first, 'acme', 'without grid shares the earlier job goes first');
});
