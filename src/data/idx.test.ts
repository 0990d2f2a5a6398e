import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeIdx, parseIdx, IdxFormatError } from './idx.ts';
import { loadFashionMnist } from './fashion-mnist.ts';

test('IDX round trip, gzipped and raw', () => {
  const arr = { shape: [2, 3], data: Uint8Array.from([1, 2, 3, 4, 5, 6]) };
  for (const gz of [true, false]) {
    const back = parseIdx(encodeIdx(arr, gz));
    assert.deepEqual(back.shape, [2, 3]);
    assert.deepEqual([...back.data], [1, 2, 3, 4, 5, 6]);
  }
});

test('corrupt IDX gets a typed error naming the source', () => {
  const good = encodeIdx({ shape: [4], data: Uint8Array.from([1, 2, 3, 4]) }, false);
  assert.throws(() => parseIdx(good.subarray(0, good.length - 1), 'x.idx'), (e: unknown) => e instanceof IdxFormatError && /x\.idx: header says 4/.test(e.message));
  const badMagic = Buffer.from(good); badMagic[0] = 1;
  assert.throws(() => parseIdx(badMagic, 'y.idx'), /y\.idx: bad magic/);
});

test('the bundled Fashion-MNIST slice is real data: 10,000 28x28 images, all ten classes', () => {
  const train = loadFashionMnist('train', { preferFull: false });
  assert.equal(train.origin, 'bundled');
  assert.equal(train.count, 10_000);
  assert.equal(train.rows, 28);
  assert.equal(train.cols, 28);
  const perClass = new Array(10).fill(0);
  for (const l of train.labels) perClass[l]++;
  for (const c of perClass) assert.ok(c > 800 && c < 1200, `class count ${c}`);
  const test2k = loadFashionMnist('t10k', { preferFull: false });
  assert.equal(test2k.count, 2_000);
});
