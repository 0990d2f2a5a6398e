import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fairShares, jain, jainIndices } from './fairness-measure.ts';

test('Jain index: equal shares give 1, one tenant holding everything gives 1/n', () => {
  assert.equal(jain([0.25, 0.25, 0.25, 0.25]), 1);
  assert.equal(jain([1, 0, 0, 0]), 0.25);
  // (0.5+0.25)² / (2·(0.25+0.0625)) = 0.5625 / 0.625 = 0.9
  assert.ok(Math.abs(jain([0.5, 0.25]) - 0.9) < 1e-12);
});

test('water-filling caps small demands and splits the rest by weight', () => {
  // a wants 0.1 (capped), b and c (weights 1 and 2) share the remaining 0.9 as 0.3 / 0.6.
  const s = fairShares([{ weight: 1, share: 0, demand: 0.1 }, { weight: 1, share: 0, demand: 1 }, { weight: 2, share: 0, demand: 1 }]);
  assert.deepEqual(s.map((x) => Math.round(x * 1e9) / 1e9), [0.1, 0.3, 0.6]);
});

test('normalised Jain is 1 when every tenant holds exactly its fair share, though raw Jain is not', () => {
  const r = jainIndices([{ weight: 1, share: 0.1, demand: 0.1 }, { weight: 1, share: 0.3, demand: 1 }, { weight: 2, share: 0.6, demand: 1 }]);
  assert.ok(Math.abs(r.normalised - 1) < 1e-9);
  assert.ok(r.raw < 0.8);
  assert.equal(r.active, 3);
});
