import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resources } from '../../core/domain/resources.ts';
import { SqliteStore } from './sqlite-store.ts';
import type { StoredJob, WriteOp } from './state-store.ts';

const job = (seq: number, tenantId = 'acme'): StoredJob => ({
  seq,
  spec: { id: `j${seq}`, tenantId, request: resources({ cpuMilli: 1000 }), gangSize: 1, priorityClass: 'normal', submittedAtMs: seq, preemptible: true, migratable: true, kind: 'train' },
  command: ['true'], state: 'pending', nodeIds: [], exitCode: null, updatedAtMs: seq,
});

for (const writer of ['worker', 'inline'] as const) {
  test(`${writer} writer: concurrent writes share commits, all land, and one bad op fails only its caller`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fw-store-'));
    try {
      const store = new SqliteStore(join(dir, 'db.sqlite'), { writer, sync: 'full' });
      const writes: Promise<void>[] = [];
      for (let i = 1; i <= 300; i++) writes.push(store.write([{ type: 'insertJob', job: job(i), idempotency: { key: `k${i}`, bodyHash: 'h' } }, { type: 'jobEvent', jobId: `j${i}`, atMs: i, event: 'submitted', data: {} }]));
      // A duplicate id and a duplicate idempotency key in the same burst: both must fail, alone.
      const dupId = store.write([{ type: 'insertJob', job: job(5) }]);
      const dupKey = store.write([{ type: 'insertJob', job: job(1000), idempotency: { key: 'k7', bodyHash: 'h' } }] satisfies WriteOp[]);
      for (let i = 301; i <= 400; i++) writes.push(store.write([{ type: 'insertJob', job: job(i) }]));
      await Promise.all(writes);
      await assert.rejects(dupId, (e: Error & { code?: string }) => e.code === 'store_failed');
      await assert.rejects(dupKey, (e: Error & { code?: string }) => e.code === 'store_failed');
      assert.ok(store.stats.commits < 400, `group commit: ${store.stats.commits} commits for 400 writes`);
      assert.equal(store.maxJobSeq(), 400);
      assert.equal(store.getJob('j1000'), undefined, 'the failed write left nothing behind');
      assert.deepEqual(store.idempotency('acme', 'k7'), { jobId: 'j7', bodyHash: 'h' });
      await store.close();
      await assert.rejects(store.write([{ type: 'insertJob', job: job(401) }]), /closed/);
      const again = new SqliteStore(join(dir, 'db.sqlite'), { writer });
      assert.equal(again.loadActiveJobs().length, 400);
      assert.deepEqual(again.jobEvents('j3').map((e) => e.type), ['submitted']);
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('the flat encoding of a batch for the writer thread decodes to the same groups', async () => {
  const { decodeGroups, encodeGroups } = await import('./sqlite-writer.worker.mjs');
  const groups = [[['insertJob', [1, 'j1', null, '{"a":[1,2]}']], ['jobEvent', []]], [], [['log', ['j1', 5, 'stdout', '']]]] as const;
  assert.deepEqual(decodeGroups(encodeGroups(groups)), groups.map((g) => g.map(([n, a]) => [n, [...a]])));
});

test('a full database fails the waiting writes with store_unavailable, keeps reads, and accepts writes again when space returns', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-store-'));
  try {
    const store = new SqliteStore(join(dir, 'db.sqlite'), { writer: 'inline', sync: 'normal' });
    await store.write([{ type: 'insertJob', job: job(1) }]);
    // SQLite's own page limit: the next write that needs a page fails with SQLITE_FULL, as on a full disk.
    const db = (store as unknown as { db: { pragma(s: string, o?: { simple: boolean }): unknown } }).db;
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`);
    const big = (seq: number): StoredJob => ({ ...job(seq), command: ['x'.repeat(64 * 1024)] });
    const failed = await Promise.allSettled([1, 2, 3].map((i) => store.write([{ type: 'insertJob', job: big(1 + i) }])));
    for (const f of failed) {
      assert.equal(f.status, 'rejected');
      const e = (f as PromiseRejectedResult).reason as Error & { code?: string; context?: { sqliteCode?: string } };
      assert.equal(e.code, 'store_unavailable');
      assert.equal(e.context?.sqliteCode, 'SQLITE_FULL');
      assert.match(e.message, /nothing was saved/);
    }
    assert.equal(store.stats.failedWrites, 3);
    assert.equal(store.getJob('j1')?.spec.id, 'j1', 'reads go on');
    assert.equal(store.maxJobSeq(), 1, 'nothing of the failed writes is stored');
    db.pragma('max_page_count = 1073741823');
    await store.write([{ type: 'insertJob', job: big(2) }]);
    assert.equal(store.maxJobSeq(), 2);
    // A database that cannot be written (as an unwritable data directory; root ignores chmod, so SQLite's own switch).
    db.pragma('query_only = ON');
    await assert.rejects(store.write([{ type: 'insertJob', job: job(3) }]), (e: Error & { code?: string; context?: { sqliteCode?: string } }) =>
      e.code === 'store_unavailable' && /^SQLITE_READONLY/.test(e.context?.sqliteCode ?? ''));
    db.pragma('query_only = OFF');
    // A write that is wrong (duplicate id) is still store_failed, not "unavailable".
    await assert.rejects(store.write([{ type: 'insertJob', job: job(1) }]), (e: Error & { code?: string }) => e.code === 'store_failed');
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
