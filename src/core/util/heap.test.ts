import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Heap } from './heap.ts';
import { createRng } from './rng.ts';

test('heap pops in comparator order', () => {
  const rng = createRng(3);
  const heap = new Heap<number>((a, b) => a < b);
  const values = Array.from({ length: 500 }, () => rng.int(1000));
  for (const v of values) heap.push(v);
  const out: number[] = [];
  while (heap.size > 0) out.push(heap.pop()!);
  assert.deepEqual(out, [...values].sort((a, b) => a - b));
  assert.equal(heap.pop(), undefined);
});
