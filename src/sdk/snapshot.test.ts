import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { decodeSnapshot, encodeSnapshot, type TrainingSnapshot } from './snapshot.ts';
import { DiskCheckpointStore, MemoryCheckpointStore, KEEP_VERSIONS } from './checkpoint-store.ts';
import { CheckpointCorruptError } from './errors.ts';

function snapshot(step: number): TrainingSnapshot {
  return {
    step,
    tensors: {
      'model/0001': { dtype: 'float32', shape: [3], data: Float32Array.from([0.5, -1.25, step]) },
      'model/0000': { dtype: 'float32', shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) },
      'optimizer/0000': { dtype: 'int32', shape: [], data: Int32Array.from([step]) },
    },
    // Keys deliberately out of order: the encoding sorts them.
    state: { rngCurrent: [1, 2, 3, 4], epoch: 2, model: 'mlp', nested: { b: 1, a: [true, null] } },
  };
}

test('encoding is deterministic and independent of key insertion order', () => {
  const a = encodeSnapshot(snapshot(7));
  const s = snapshot(7);
  const reordered: TrainingSnapshot = {
    step: 7,
    tensors: { 'optimizer/0000': s.tensors['optimizer/0000']!, 'model/0000': s.tensors['model/0000']!, 'model/0001': s.tensors['model/0001']! },
    state: { nested: { a: [true, null], b: 1 }, model: 'mlp', epoch: 2, rngCurrent: [1, 2, 3, 4] },
  };
  assert.deepEqual(encodeSnapshot(reordered), a);
  // decode → encode reproduces the same bytes
  assert.deepEqual(encodeSnapshot(decodeSnapshot(a)), a);
});

test('decode returns the tensors, step and state', () => {
  const back = decodeSnapshot(encodeSnapshot(snapshot(3)));
  assert.equal(back.step, 3);
  assert.deepEqual(Array.from(back.tensors['model/0001']!.data), [0.5, -1.25, 3]);
  assert.deepEqual(back.tensors['model/0000']!.shape, [2, 2]);
  assert.equal(back.tensors['optimizer/0000']!.dtype, 'int32');
  assert.deepEqual(Array.from(back.tensors['optimizer/0000']!.data), [3]);
  assert.deepEqual(back.state, snapshot(3).state);
});

test('decodes from a Buffer that is a view into a larger buffer (as readFileSync may return)', () => {
  const bytes = encodeSnapshot(snapshot(5));
  const big = Buffer.alloc(bytes.length + 13, 0x7f);
  big.set(bytes, 13);
  const back = decodeSnapshot(big.subarray(13));
  assert.deepEqual(Array.from(back.tensors['model/0000']!.data), [1, 2, 3, 4]);
  assert.deepEqual(Array.from(back.tensors['model/0001']!.data), [0.5, -1.25, 5]);
});

test('a flipped byte, a truncation or a wrong magic is a CheckpointCorruptError', () => {
  const bytes = encodeSnapshot(snapshot(1));
  const flipped = bytes.slice();
  flipped[bytes.length - 50]! ^= 0xff;
  assert.throws(() => decodeSnapshot(flipped), CheckpointCorruptError);
  assert.throws(() => decodeSnapshot(bytes.subarray(0, bytes.length - 1)), CheckpointCorruptError);
  const magic = bytes.slice();
  magic[0] = 0;
  assert.throws(() => decodeSnapshot(magic), /not a Fairway snapshot/);
});

test('memory store: latest wins, a corrupt latest falls back to the previous, keeps only KEEP_VERSIONS', async () => {
  const store = new MemoryCheckpointStore();
  assert.equal(await store.loadLatest(), undefined);
  for (let step = 1; step <= 3; step++) await store.save(snapshot(step * 10));
  assert.equal(store.rawVersions().length, KEEP_VERSIONS);
  assert.equal((await store.loadLatest())!.snapshot.step, 30);
  store.rawVersions().at(-1)!.bytes[20]! ^= 0x01;
  const loaded = (await store.loadLatest())!;
  assert.equal(loaded.snapshot.step, 20);
  assert.equal(loaded.version, 2);
  assert.equal(loaded.skipped.length, 1);
  assert.match(loaded.skipped[0]!, /checksum/);
});

test('disk store: atomic files, pruning, corrupt newest falls back, nothing loadable → undefined', async () => {
  const root = mkdtempSync(join(tmpdir(), 'fw-ckpt-'));
  try {
    const store = new DiskCheckpointStore(root, 'job-1');
    assert.equal(await store.loadLatest(), undefined);
    for (let step = 1; step <= 3; step++) await store.save(snapshot(step));
    const files = readdirSync(join(root, 'job-1')).sort();
    assert.deepEqual(files, ['ckpt-000000002.fwck', 'ckpt-000000003.fwck']);
    assert.equal((await store.loadLatest())!.snapshot.step, 3);
    const newest = join(root, 'job-1', files[1]!);
    const bytes = readFileSync(newest);
    bytes[bytes.length - 40]! ^= 0xff;
    writeFileSync(newest, bytes);
    const loaded = (await store.loadLatest())!;
    assert.equal(loaded.snapshot.step, 2);
    assert.equal(loaded.skipped.length, 1);
    writeFileSync(join(root, 'job-1', files[0]!), 'garbage');
    assert.equal(await store.loadLatest(), undefined);
    // The next save still gets a new, higher version.
    assert.equal((await store.save(snapshot(9))).version, 4);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
