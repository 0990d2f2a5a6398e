import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateSynthetic, PAPER_SCENARIO } from './synthetic.ts';

test('the paper scenario is deterministic by seed, sorted by arrival and near its configured rate and mix', () => {
  const a = generateSynthetic(PAPER_SCENARIO, 8);
  const b = generateSynthetic(PAPER_SCENARIO, 8);
  assert.deepEqual(a, b);
  assert.notDeepEqual(generateSynthetic({ ...PAPER_SCENARIO, seed: 2 }, 8).map((j) => j.spec.submittedAtMs), a.map((j) => j.spec.submittedAtMs));
  for (let i = 1; i < a.length; i++) assert.ok(a[i]!.spec.submittedAtMs >= a[i - 1]!.spec.submittedAtMs);
  // 12 jobs/h × 24 h = 288 expected; Poisson sd ≈ 17, so 4 sd either side.
  assert.ok(a.length > 288 - 68 && a.length < 288 + 68, `got ${a.length} jobs`);
  const heavy = a.filter((j) => j.cls === 'heavy').length / a.length;
  assert.ok(heavy > 0.2 && heavy < 0.4, `heavy share ${heavy}`);
  // Skew 1: tenant a (weight 1) submits more than tenant d (weight 1/4).
  const count = (t: string): number => a.filter((j) => j.spec.tenantId === t).length;
  assert.ok(count('tenant-a') > 2 * count('tenant-d'));
});

test('a heavy job larger than a node becomes a gang of whole nodes', () => {
  const jobs = generateSynthetic({ ...PAPER_SCENARIO, heavyShare: 1, heavy: { ...PAPER_SCENARIO.heavy, gpus: 12 } }, 8);
  assert.ok(jobs.length > 0);
  for (const j of jobs) {
    assert.equal(j.spec.gangSize, 2);
    assert.equal(j.spec.request.gpuMilli, 8000);
  }
  assert.throws(() => generateSynthetic({ ...PAPER_SCENARIO, heavyShare: 2 }, 8), /heavyShare/);
});
