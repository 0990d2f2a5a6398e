import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, restoreRng } from './rng.ts';

test('same seed gives the same sequence; different seeds differ', () => {
  const a = createRng(42);
  const b = createRng(42);
  const c = createRng(43);
  const xs = Array.from({ length: 100 }, () => a.next());
  const ys = Array.from({ length: 100 }, () => b.next());
  const zs = Array.from({ length: 100 }, () => c.next());
  assert.deepEqual(xs, ys);
  assert.notDeepEqual(xs, zs);
  for (const x of xs) assert.ok(x >= 0 && x < 1);
});

test('a saved state continues the same sequence', () => {
  const a = createRng(7);
  for (let i = 0; i < 10; i++) a.next();
  const b = restoreRng(a.state());
  assert.deepEqual(Array.from({ length: 20 }, () => a.int(1000)), Array.from({ length: 20 }, () => b.int(1000)));
});

test('int(n) covers 0..n-1 roughly uniformly', () => {
  const rng = createRng(1);
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < 40_000; i++) counts[rng.int(4)]!++;
  // Expected 10,000 each; a 5% band is > 10 standard deviations (sd ≈ 87).
  for (const c of counts) assert.ok(Math.abs(c - 10_000) < 500, `count ${c}`);
});
