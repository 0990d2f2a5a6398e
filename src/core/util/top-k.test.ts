import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { topK } from './top-k.ts';

test('topK returns the k best indices in order, equal to sorting all and taking the first k', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: -20, max: 20 }), { maxLength: 200 }), fc.integer({ min: 0, max: 250 }), (xs, k) => {
      // Higher value first, then lower index: a strict total order.
      const before = (i: number, j: number): boolean => (xs[i] as number) > (xs[j] as number) || (xs[i] === xs[j] && i < j);
      const expected = xs.map((_, i) => i).sort((i, j) => (before(i, j) ? -1 : 1)).slice(0, k);
      assert.deepEqual(topK(xs.length, k, before), expected);
    }),
  );
});

test('topK of nothing or k = 0 is empty', () => {
  assert.deepEqual(topK(0, 5, () => false), []);
  assert.deepEqual(topK(3, 0, (i, j) => i < j), []);
});
