// What the dashboard needs from the API beyond the basics: each node's measured use next to its allocation, and
// the page itself served by buildApp when given a dashboard directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from './app.ts';
import { Authenticator } from './auth.ts';
import { Coordinator } from './coordinator.ts';
import { SqliteStore } from './store/sqlite-store.ts';

const ADMIN = 'admin-token-for-dashboard-tests';
const JOIN = 'join-token-for-dashboard-tests';

test('a node shows its measured use once its agent reports node telemetry; the page is served at /', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-dash-data-'));
  const store = new SqliteStore(join(dir, 'fairway.db'), { sync: 'normal' });
  const auth = new Authenticator(ADMIN, JOIN);
  const coord = new Coordinator({ store, auth, fairnessIntervalMs: 0, nodeTimeoutMs: 0, cycleIntervalMs: 60_000 });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Fairway dashboard</title>');
  const app = buildApp({ coordinator: coord, auth, dashboardDir: dir });
  try {
    const agent = { authorization: `Bearer ${JOIN}` };
    const reg = await app.inject({ method: 'POST', url: '/v1/nodes', headers: agent, payload: { id: 'n1', capacity: { cpu: 4, memoryMiB: 8192 } } });
    assert.equal(reg.statusCode, 201, reg.body);
    type Nodes = { nodes: { id: string; used?: { cpuMilli: number; memMiB: number } }[] };
    const before = (await app.inject({ method: 'GET', url: '/v1/nodes', headers: { authorization: `Bearer ${ADMIN}` } })).json<Nodes>();
    assert.equal(before.nodes[0]!.used, undefined, 'no telemetry yet: no made-up use');
    const hb = await app.inject({ method: 'POST', url: '/v1/nodes/n1/heartbeat', headers: agent, payload: { telemetry: [{ cpu: 1.5, memoryMiB: 2048 }] } });
    assert.equal(hb.statusCode, 200, hb.body);
    const after = (await app.inject({ method: 'GET', url: '/v1/nodes', headers: { authorization: `Bearer ${ADMIN}` } })).json<Nodes>();
    // 1.5 cores → 1500 milli-CPU
    assert.deepEqual([after.nodes[0]!.used?.cpuMilli, after.nodes[0]!.used?.memMiB], [1500, 2048]);

    const page = await app.inject({ method: 'GET', url: '/' });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Fairway dashboard/);
  } finally {
    await coord.close();
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
