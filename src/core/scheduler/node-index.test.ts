import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LEVELS, NodeIndex } from './node-index.ts';

test('the capacity index keeps every node in the bucket of its free amount as it changes', () => {
  // One dimension, largest node 6300: level = floor(free · 63 / 6300) = floor(free / 100).
  const free = [Float64Array.from([0, 150, 6300, 1000])];
  const index = new NodeIndex(1, 4, [6300], free);
  assert.equal(index.levelOf(0, 150), 1);
  assert.equal(index.levelOf(0, 99_999), LEVELS - 1, 'clamped to the top level');
  const where = (): number[][] => index.bucketsOf(0).map((b) => [...b].sort());
  assert.deepEqual(where()[0], [0]);
  assert.deepEqual(where()[1], [1]);
  assert.deepEqual(where()[10], [3]);
  assert.deepEqual(where()[63], [2]);
  index.update(0, 2, 120); // node 2 fills up to 120 free → level 1, beside node 1
  index.update(0, 1, 6300); // node 1 empties → top level
  assert.deepEqual(where()[1], [2]);
  assert.deepEqual(where()[63], [1]);
  assert.equal(where().reduce((n, b) => n + b.length, 0), 4, 'no node lost or duplicated');
});
