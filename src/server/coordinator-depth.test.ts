// The coordinator with a queue depth: cycles consider at most K jobs, the why-waiting view says so for the others,
// and a restart still re-places every job that was running (the restore cycle is not bounded by the depth).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as W from '../wire/schemas.ts';
import { Authenticator } from './auth.ts';
import { Coordinator } from './coordinator.ts';
import { SqliteStore } from './store/sqlite-store.ts';

const ADMIN = 'admin-token-0123456789';
const JOIN = 'join-token-0123456789';

function open(dir: string): { coord: Coordinator; close(): Promise<void> } {
  const store = new SqliteStore(join(dir, 'fairway.db'), { sync: 'normal' });
  const coord = new Coordinator({ store, auth: new Authenticator(ADMIN, JOIN), fairnessIntervalMs: 0, nodeTimeoutMs: 0, cycleIntervalMs: 60_000, queueDepth: 2 });
  return { coord, async close() { await coord.close(); await store.close(); } };
}

test('queue depth 2: two jobs per cycle, "beyond-queue-depth" for the rest, and a restart keeps all five running', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-depth-'));
  try {
    const h = open(dir);
    await h.coord.createTenant(W.TenantCreate.parse({ id: 'acme' }));
    await h.coord.registerNode(W.NodeRegister.parse({ id: 'n1', capacity: { cpu: 8, memoryMiB: 8192 } }));
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await h.coord.submit('acme', W.JobSubmission.parse({ name: `j${i}`, request: { cpu: i === 5 ? 8 : 1, memoryMiB: 256 }, command: ['true'] }))).spec.id);
    await h.coord.runCycle();
    // First cycle: the two oldest placed; j2..j5 were not considered.
    const tenantView = { kind: 'tenant', tenantId: 'acme' } as const;
    assert.deepEqual(ids.map((id) => h.coord.getJob(id, tenantView).state), ['running', 'running', 'pending', 'pending', 'pending', 'pending']);
    assert.equal(h.coord.explain(ids[4]!)?.reasons[0]?.code, 'beyond-queue-depth');
    await h.coord.runCycle();
    await h.coord.runCycle();
    // j5 asks for the whole node: it waits with a fit reason once considered.
    assert.deepEqual(ids.map((id) => h.coord.getJob(id, tenantView).state), ['running', 'running', 'running', 'running', 'running', 'pending']);
    assert.equal(h.coord.explain(ids[5]!)?.reasons[0]?.plugin, 'fit');
    await h.close();
    const h2 = open(dir);
    try {
      assert.equal(h2.coord.queueLength(), 1, 'only the job that was pending is queued again');
      assert.deepEqual(ids.map((id) => h2.coord.getJob(id, tenantView).state), ['running', 'running', 'running', 'running', 'running', 'pending']);
      assert.equal(h2.coord.counters.preemptions, 0, 'no running job was stopped by the restore');
    } finally {
      await h2.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
