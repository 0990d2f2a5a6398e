// The grid port's conformance suite: every adapter (embedded, Redis standalone, Redis Cluster) must pass all of it.
// Each test uses its own tenant ids, so the suite needs no flush between tests and can share one server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { PartitionModel, type ModelOp, type ModelResult } from './lru-model.ts';
import { ConflictError, InvalidInputError } from '../../src/core/util/errors.ts';
import { Grid } from '../../src/grid/grid.ts';
import type { GridStore } from '../../src/grid/port.ts';
import { GridChecksumError, GridDecryptError, GridNotFoundError, GridQuotaExceededError, GridValueTooLargeError } from '../../src/grid/errors.ts';
import { openDataset, publishDataset, listDatasets, pinDataset } from '../../src/grid/datasets.ts';
import { listCheckpoints, loadCheckpoint, saveCheckpoint } from '../../src/grid/checkpoints.ts';
import { tensor, type Tensor } from '../../src/grid/tensor.ts';
import { ENCRYPTION_OVERHEAD_BYTES } from '../../src/grid/encryption.ts';

/** Makes a store with the given limits; the suite closes it. */
export type StoreFactory = (limits: { defaultQuotaBytes?: number; maxValueBytes?: number }) => Promise<GridStore>;

let seq = 0;
/** Unique tenant ids per test so tests never see each other's data on a shared server. */
function ids(...names: string[]): string[] {
  const run = `${process.pid.toString(36)}${(seq++).toString(36)}`;
  return names.map((n) => `${n}-${run}`);
}

const bytes = (n: number, fill: number): Buffer => Buffer.alloc(n, fill);

async function withGrid(factory: StoreFactory, limits: { defaultQuotaBytes?: number; maxValueBytes?: number }, fn: (grid: Grid) => Promise<void>): Promise<void> {
  const grid = new Grid(await factory(limits));
  try {
    await fn(grid);
  } finally {
    await grid.close();
  }
}

function checkpointTensors(seed: number): Record<string, Tensor> {
  // Sizes chosen so chunk boundaries (chunkBytes 100 below) fall inside and between tensors.
  const w = new Float32Array(57).map((_, i) => seed + i / 8);
  const steps = new Int32Array([seed, seed + 1, seed + 2]);
  const rng = new Uint8Array(33).map((_, i) => (seed * 7 + i) & 255);
  return { w: tensor(w, [3, 19]), steps: tensor(steps, [3]), rng: tensor(rng, [33]) };
}

const keyArb = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f');
const opArb: fc.Arbitrary<ModelOp> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), key: keyArb, size: fc.integer({ min: 0, max: 60 }), pin: fc.option(fc.boolean(), { nil: undefined }) }),
  fc.record({ op: fc.constant('get' as const), key: keyArb }),
  fc.record({ op: fc.constant('delete' as const), key: keyArb }),
  fc.record({ op: fc.constant('pin' as const), key: keyArb, pinned: fc.boolean() }),
);

export function runGridConformance(adapter: string, factory: StoreFactory, options: { propertyRuns?: number } = {}): void {
  const t = (name: string, fn: () => Promise<void>): void => {
    test(`[${adapter}] ${name}`, fn);
  };

  t('stores, lists and deletes binary values per key', async () => {
    await withGrid(factory, {}, async (grid) => {
      const [a] = ids('kv');
      const ns = grid.namespace(a!);
      const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      await ns.set('x/1', all);
      await ns.set('x/2', new Uint8Array(0));
      await ns.set('y', Buffer.from('hello'));
      assert.deepEqual(await ns.get('x/1'), all);
      assert.equal((await ns.get('x/2'))?.length, 0);
      assert.equal(await ns.get('missing'), undefined);
      assert.equal(await ns.has('y'), true);
      assert.deepEqual(await ns.list('x/'), ['x/1', 'x/2']);
      assert.deepEqual(await ns.list(), ['x/1', 'x/2', 'y']);
      assert.equal(await ns.delete('y'), true);
      assert.equal(await ns.delete('y'), false);
      assert.equal(await ns.has('y'), false);
      const s = await ns.stats();
      assert.equal(s.keys, 2);
      assert.equal(s.usedBytes, 256);
      // gets: x/1 hit, x/2 hit, missing miss
      assert.equal(s.hits, 2);
      assert.equal(s.misses, 1);
      assert.ok((await grid.store.tenants()).includes(a!), 'tenant listed');
    });
  });

  t('overwriting a key replaces its bytes in the accounting', async () => {
    await withGrid(factory, {}, async (grid) => {
      const [a] = ids('ow');
      const ns = grid.namespace(a!);
      await ns.set('k', bytes(100, 1), { pin: true });
      await ns.set('k', bytes(40, 2));
      assert.deepEqual(await ns.get('k'), bytes(40, 2));
      const s = await ns.stats();
      assert.equal(s.usedBytes, 40);
      // An overwrite without a pin option keeps the key's pin.
      assert.equal(s.pinnedBytes, 40);
    });
  });

  t('evicts the least recently used unpinned keys of the writing tenant only', async () => {
    await withGrid(factory, {}, async (grid) => {
      const [a] = ids('lru');
      await grid.configureTenant(a!, { quotaBytes: 300 });
      const ns = grid.namespace(a!);
      await ns.set('a', bytes(100, 1));
      await ns.set('b', bytes(100, 2));
      await ns.set('c', bytes(100, 3));
      await ns.get('a'); // a is now more recent than b and c
      const r = await ns.set('d', bytes(150, 4)); // needs 150 more: evict b (100) then c (100)
      assert.deepEqual(r.evicted, ['b', 'c']);
      assert.deepEqual(await ns.list(), ['a', 'd']);
      const s = await ns.stats();
      assert.equal(s.evictions, 2);
      assert.equal(s.usedBytes, 250);
      assert.equal(s.quotaBytes, 300);
    });
  });

  t('evicts across many keys in LRU order (more than one page of the LRU index)', async () => {
    await withGrid(factory, {}, async (grid) => {
      const [a] = ids('many');
      await grid.configureTenant(a!, { quotaBytes: 400 });
      const ns = grid.namespace(a!);
      const keys = Array.from({ length: 400 }, (_, i) => `k${String(i).padStart(3, '0')}`);
      await Promise.all(keys.slice(0, 10).map((k) => ns.set(k, bytes(1, 1), { pin: true })));
      for (const k of keys.slice(10)) await ns.set(k, bytes(1, 2));
      // 400 bytes used; 200 more need the 200 least recently used unpinned keys: k010..k209 (k000-k009 are pinned).
      const r = await ns.set('big', bytes(200, 3));
      assert.deepEqual(r.evicted, keys.slice(10, 210));
      assert.equal((await ns.stats()).usedBytes, 400);
      assert.equal(await ns.has('k000'), true);
      assert.equal(await ns.has('k210'), true);
    });
  });

  t('property: quota, LRU eviction and pins agree with a reference model over random operation sequences', async () => {
    await withGrid(factory, {}, async (grid) => {
      await fc.assert(fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), async (ops) => {
        const [tenant] = ids('prop');
        await grid.configureTenant(tenant!, { quotaBytes: 100 });
        const ns = grid.namespace(tenant!);
        const model = new PartitionModel(100);
        for (const o of ops) {
          const want = model.apply(o);
          let got: ModelResult;
          if (o.op === 'set') {
            try {
              const r = await ns.set(o.key, bytes(o.size, o.size), o.pin === undefined ? {} : { pin: o.pin });
              got = { op: 'set', ok: true, evicted: [...r.evicted] };
            } catch (err) {
              if (!(err instanceof GridQuotaExceededError)) throw err;
              got = { op: 'set', ok: false };
            }
          } else if (o.op === 'get') got = { op: 'get', found: (await ns.get(o.key)) !== undefined };
          else if (o.op === 'delete') got = { op: 'delete', existed: await ns.delete(o.key) };
          else got = { op: 'pin', existed: await ns.setPinned(o.key, o.pinned) };
          assert.deepEqual(got, want, JSON.stringify(o));
        }
        const s = await ns.stats();
        const pinned = [...model.entries.values()].filter((e) => e.pinned).reduce((a, e) => a + e.size, 0);
        assert.deepEqual(
          { keys: await ns.list(), used: s.usedBytes, pinned: s.pinnedBytes, evictions: s.evictions, hits: s.hits, misses: s.misses },
          { keys: [...model.entries.keys()].sort(), used: model.used, pinned, evictions: model.evictions, hits: model.hits, misses: model.misses },
        );
        assert.ok(s.usedBytes <= 100, `within quota: ${s.usedBytes}`);
      }), { numRuns: options.propertyRuns ?? 100, seed: 20261129 });
    });
  });

  t('never evicts pinned keys and refuses a write that cannot fit, changing nothing', async () => {
    await withGrid(factory, {}, async (grid) => {
      const [a] = ids('pin');
      await grid.configureTenant(a!, { quotaBytes: 300 });
      const ns = grid.namespace(a!);
      await ns.set('p1', bytes(100, 1), { pin: true });
      await ns.set('p2', bytes(100, 2), { pin: true });
      await ns.set('u', bytes(100, 3));
      await assert.rejects(ns.set('big', bytes(201, 4)), (err: unknown) => {
        assert.ok(err instanceof GridQuotaExceededError, String(err));
        assert.equal(err.code, 'grid_quota_exceeded');
        assert.equal(err.pinnedBytes, 200);
        return true;
      });
      assert.deepEqual(await ns.list(), ['p1', 'p2', 'u']);
      assert.equal((await ns.stats()).evictions, 0);
      // Unpinning makes a key evictable again.
      assert.equal(await ns.setPinned('p1', false), true);
      assert.equal(await ns.setPinned('nope', true), false);
      const r = await ns.set('big', bytes(200, 4));
      assert.deepEqual([...r.evicted].sort(), ['p1', 'u']);
      assert.deepEqual(await ns.list(), ['big', 'p2']);
      assert.equal((await ns.stats()).pinnedBytes, 100);
    });
  });

  t('rejects a value over the size limit and bad keys with typed errors', async () => {
    await withGrid(factory, { maxValueBytes: 1000 }, async (grid) => {
      const [a] = ids('lim');
      const ns = grid.namespace(a!);
      await ns.set('ok', bytes(1000, 1));
      await assert.rejects(ns.set('big', bytes(1001, 1)), GridValueTooLargeError);
      assert.equal(await ns.has('big'), false);
      await assert.rejects(ns.set('has space', bytes(1, 1)), InvalidInputError);
      assert.throws(() => grid.namespace('../etc'), InvalidInputError);
      assert.throws(() => grid.namespace('a}:v:'), InvalidInputError);
    });
  });

  t('isolation: a tenant cannot read, list, overwrite, delete or evict another tenant\'s keys', async () => {
    await withGrid(factory, {}, async (grid) => {
      const [a, b] = ids('iso-a', 'iso-b');
      await grid.configureTenant(b!, { quotaBytes: 250 });
      const nsA = grid.namespace(a!);
      const nsB = grid.namespace(b!);
      await nsA.set('secret', Buffer.from('a-data'));
      await nsA.set('old', bytes(100, 9)); // unpinned, least recently used: still B must not evict it
      // B tries the same key, traversal-looking keys, and keys that mimic the internal layout.
      for (const k of ['secret', `../${a}/secret`, `fw:{${a}}:v:secret`, `}:v:secret`, `{${a}}secret`]) {
        assert.equal(await nsB.get(k), undefined, k);
        assert.equal(await nsB.has(k), false, k);
        assert.equal(await nsB.delete(k), false, k);
        assert.equal(await nsB.setPinned(k, true), false, k);
      }
      assert.deepEqual(await nsB.list(), []);
      await nsB.set('secret', Buffer.from('b-data'));
      for (let i = 0; i < 5; i++) await nsB.set(`fill-${i}`, bytes(100, i)); // forces B's own evictions
      assert.deepEqual(await nsA.get('secret'), Buffer.from('a-data'));
      assert.deepEqual(await nsA.list(), ['old', 'secret']);
      const sa = await nsA.stats();
      const sb = await nsB.stats();
      assert.equal(sa.evictions, 0);
      assert.ok(sb.evictions >= 3, `B evicted its own keys (${sb.evictions})`);
      assert.ok(sb.usedBytes <= 250, `B within quota (${sb.usedBytes})`);
      assert.equal(sa.usedBytes, 106);
      // The shared namespace is handed out read-only.
      const reader = grid.sharedReader() as unknown as Record<string, unknown>;
      assert.equal(typeof reader.set, 'undefined');
      assert.equal(typeof reader.delete, 'undefined');
    });
  });

  t('encryption: values of an encrypted tenant are AES-256-GCM ciphertext in the store, bound to key and tenant', async () => {
    await withGrid(factory, {}, async (grid) => {
      const [a, b] = ids('enc-a', 'enc-b');
      const key = randomBytes(32);
      await grid.configureTenant(a!, { encryptionKey: key });
      await grid.configureTenant(b!, { encryptionKey: key }); // same key, other tenant: still must not decrypt A's
      const ns = grid.namespace(a!);
      const plain = Buffer.from('weights of a private model '.repeat(10));
      await ns.set('w', plain);
      await ns.set('v', Buffer.from('other'));
      assert.deepEqual(await ns.get('w'), plain);
      const raw = await grid.store.get(a!, 'w');
      assert.ok(raw, 'raw value present');
      assert.equal(raw.length, plain.length + ENCRYPTION_OVERHEAD_BYTES);
      assert.equal(raw.includes(Buffer.from('private model')), false);
      // Tampered ciphertext fails authentication.
      const tampered = Buffer.from(raw);
      tampered[tampered.length - 1]! ^= 1;
      await grid.store.set(a!, 'w', tampered);
      await assert.rejects(ns.get('w'), GridDecryptError);
      // A ciphertext moved to another key, or to another tenant with the same key, does not decrypt.
      await grid.store.set(a!, 'moved', raw);
      await assert.rejects(ns.get('moved'), GridDecryptError);
      await grid.store.set(b!, 'w', raw);
      await assert.rejects(grid.namespace(b!).get('w'), GridDecryptError);
      await assert.rejects(grid.configureTenant(a!, { encryptionKey: randomBytes(16) }), InvalidInputError);
    });
  });

  t('datasets: shards round-trip, republish is a no-op, conflicts and unknown names are typed errors', async () => {
    await withGrid(factory, {}, async (grid) => {
      const [a] = ids('ds');
      const ns = grid.namespace(a!);
      const n = 103; // 103 items in shards of 25: 4 full shards and one of 3
      const x = new Float32Array(n * 6).map((_, i) => i / 7);
      const y = new Uint8Array(n).map((_, i) => i % 10);
      const input = { name: 'toy', version: 'v1', columns: { x: tensor(x, [n, 2, 3]), y: tensor(y, [n]) }, shardItems: 25, meta: { classes: 10 } };
      const m = await publishDataset(ns, input);
      assert.equal(m.shards.length, 5);
      assert.equal(m.items, n);
      assert.deepEqual(await publishDataset(ns, input), m);
      await assert.rejects(publishDataset(ns, { ...input, columns: { x: tensor(x.map((v) => v + 1), [n, 2, 3]), y: tensor(y, [n]) } }), ConflictError);
      const ds = await openDataset(ns, 'toy');
      assert.equal(ds.version, 'v1');
      assert.deepEqual(ds.manifest.meta, { classes: 10 });
      const xs: number[] = [];
      const ys: number[] = [];
      for await (const s of ds.shards({ prefetch: 3 })) {
        assert.deepEqual(s.columns.x!.shape, [s.items, 2, 3]);
        xs.push(...(s.columns.x!.data as Float32Array));
        ys.push(...s.columns.y!.data);
      }
      assert.deepEqual(xs, [...x]);
      assert.deepEqual(ys, [...y]);
      await assert.rejects(openDataset(ns, 'nope'), GridNotFoundError);
      await assert.rejects(openDataset(ns, 'toy', 'v9'), (err: unknown) => err instanceof GridNotFoundError && err.kind === 'dataset version');
      assert.deepEqual(await listDatasets(ns), [{ name: 'toy', versions: ['v1'] }]);
      assert.equal((await ns.stats()).pinnedBytes, (await ns.stats()).usedBytes);
      await pinDataset(ns, 'toy', 'v1', false);
      // Only the 2-byte `latest` pointer ('v1') stays pinned.
      assert.equal((await ns.stats()).pinnedBytes, 2);
    });
  });

  t('datasets: a corrupt shard is detected by its checksum', async () => {
    await withGrid(factory, {}, async (grid) => {
      const [a] = ids('dsc');
      const ns = grid.namespace(a!);
      const x = new Float32Array(40).map((_, i) => i);
      await publishDataset(ns, { name: 'c', version: '1', columns: { x: tensor(x, [10, 4]) }, shardItems: 5 });
      const key = 'ds/c/1/shard/000001';
      const good = await grid.store.get(a!, key);
      assert.ok(good, 'shard present');
      const bad = Buffer.from(good);
      bad[3]! ^= 0x40;
      await grid.store.set(a!, key, bad);
      const ds = await openDataset(ns, 'c', '1');
      assert.equal((await ds.readShard(0)).items, 5);
      await assert.rejects(ds.readShard(1), (err: unknown) => err instanceof GridChecksumError && err.code === 'grid_checksum_mismatch');
    });
  });

  t('datasets: the shared namespace is written by the loader and read by every tenant', async () => {
    await withGrid(factory, {}, async (grid) => {
      const [name] = ids('shared');
      const x = new Uint8Array(20).map((_, i) => i);
      await publishDataset(grid.sharedWriter(), { name: name!, version: 'v1', columns: { x: tensor(x, [20]) }, shardItems: 8 });
      const ds = await openDataset(grid.sharedReader(), name!);
      const first = await ds.readShard(0);
      assert.deepEqual([...first.columns.x!.data], [0, 1, 2, 3, 4, 5, 6, 7]);
      const [t1] = ids('t');
      await assert.rejects(openDataset(grid.namespace(t1!), name!), GridNotFoundError);
    });
  });

  t('checkpoints: save and restore round-trip across chunk boundaries; a new save replaces the old', async () => {
    await withGrid(factory, {}, async (grid) => {
      const [a] = ids('ck');
      const ns = grid.namespace(a!);
      await assert.rejects(loadCheckpoint(ns, 'job-1'), GridNotFoundError);
      const m1 = await saveCheckpoint(ns, 'job-1', { step: 10, tensors: checkpointTensors(1), state: { epoch: 1, rng: [1, 2] } }, { nowMs: 1000, chunkBytes: 100 });
      assert.equal(m1.version, 1);
      // w 228 B at 0, steps 12 B at 232, rng 33 B at 248: 281 bytes → chunks of 100, 100, 81.
      assert.deepEqual(m1.chunks.map((c) => c.bytes), [100, 100, 81]);
      const m2 = await saveCheckpoint(ns, 'job-1', { step: 20, tensors: checkpointTensors(2), state: { epoch: 2 } }, { nowMs: 2000, chunkBytes: 100 });
      assert.equal(m2.version, 2);
      const c = await loadCheckpoint(ns, 'job-1');
      assert.equal(c.step, 20);
      assert.deepEqual(c.state, { epoch: 2 });
      const want = checkpointTensors(2);
      for (const [k, v] of Object.entries(want)) {
        assert.equal(c.tensors[k]!.dtype, v.dtype);
        assert.deepEqual(c.tensors[k]!.shape, v.shape);
        assert.deepEqual([...c.tensors[k]!.data], [...v.data], k);
      }
      assert.deepEqual(await listCheckpoints(ns, 'job-1'), [2]);
      await assert.rejects(loadCheckpoint(ns, 'job-1', 1), GridNotFoundError);
    });
  });

  t('checkpoints: a save that fails midway (quota) leaves the previous version whole and current', async () => {
    await withGrid(factory, {}, async (grid) => {
      const [a] = ids('cktorn');
      const ns = grid.namespace(a!);
      await saveCheckpoint(ns, 'job', { step: 1, tensors: { w: tensor(new Float32Array(100).fill(1), [100]) } }, { nowMs: 1, chunkBytes: 64 });
      const used = (await ns.stats()).usedBytes;
      // Room for roughly half of a second copy: the new save must fail on a chunk, not after.
      await grid.configureTenant(a!, { quotaBytes: used + 200 });
      await assert.rejects(
        saveCheckpoint(ns, 'job', { step: 2, tensors: { w: tensor(new Float32Array(100).fill(2), [100]) } }, { nowMs: 2, chunkBytes: 64 }),
        GridQuotaExceededError,
      );
      const c = await loadCheckpoint(ns, 'job');
      assert.equal(c.step, 1);
      assert.deepEqual([...c.tensors.w!.data], Array(100).fill(1));
      assert.equal((await ns.stats()).usedBytes, used, 'the failed save cleaned up its partial chunks');
      // A corrupt chunk of the committed version is detected on restore.
      const chunk = 'ckpt/job/000000001/chunk/000000';
      const raw = Buffer.from((await grid.store.get(a!, chunk))!);
      raw[0]! ^= 1;
      await grid.store.set(a!, chunk, raw);
      await assert.rejects(loadCheckpoint(ns, 'job'), GridChecksumError);
    });
  });
}
