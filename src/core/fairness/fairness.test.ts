import { test } from 'node:test';
import assert from 'node:assert/strict';
import { weightedDrfShares } from './fair-share.ts';
import { jainIndex } from './jain.ts';
import { FairnessMonitor, measureFairness, RHO_CAP } from './monitor.ts';

const close = (a: number, b: number, msg?: string): void => assert.ok(Math.abs(a - b) < 1e-9, msg ?? `${a} ≠ ${b}`);

test("Jain's index on known vectors", () => {
  close(jainIndex([1, 1, 1, 1]), 1); // all equal
  close(jainIndex([1, 0, 0, 0]), 0.25); // one holds everything: 1/n
  close(jainIndex([1, 2]), 0.9); // (3)² / (2·5) = 0.9
  close(jainIndex([0, 0]), 1); // nobody holds anything: fair by definition
  close(jainIndex([]), 1);
});

test('DRF example from Ghodsi et al. (NSDI 2011): 9 CPUs, 18 GB; A <1 CPU, 4 GB>, B <3 CPU, 1 GB> per task', () => {
  // With unbounded demand both reach dominant share 2/3: A runs 3 tasks (12 GB of 18), B 2 tasks (6 CPUs of 9).
  const shares = weightedDrfShares(
    [
      { id: 'A', weight: 1, demand: [100, 400] },
      { id: 'B', weight: 1, demand: [300, 100] },
    ],
    [9, 18],
  );
  close(shares.get('A')!, 2 / 3);
  close(shares.get('B')!, 2 / 3);
});

test('weighted and demand-capped fair shares', () => {
  // One resource of 12. Weights 1 and 2, big demand: shares 1/3 and 2/3.
  const w = weightedDrfShares([{ id: 'a', weight: 1, demand: [100] }, { id: 'b', weight: 2, demand: [100] }], [12]);
  close(w.get('a')!, 1 / 3);
  close(w.get('b')!, 2 / 3);
  // a wants only 2 of 12 (1/6): capped there; b gets the rest (5/6); c with no demand gets 0.
  const c = weightedDrfShares([{ id: 'a', weight: 1, demand: [2] }, { id: 'b', weight: 1, demand: [100] }, { id: 'c', weight: 1, demand: [0] }], [12]);
  close(c.get('a')!, 1 / 6);
  close(c.get('b')!, 5 / 6);
  close(c.get('c')!, 0);
});

test('measureFairness: raw and normalised Jain, finish-time fairness ρ', () => {
  // 8 GPUs. a and b (weight 1 each) both want everything: fair share 0.5 each. a holds 6, b 2.
  const r = measureFairness(
    [
      { id: 'a', weight: 1, alloc: [0, 6000, 0, 0], demand: [0, 8000, 0, 0] },
      { id: 'b', weight: 1, alloc: [0, 2000, 0, 0], demand: [0, 8000, 0, 0] },
      { id: 'idle', weight: 1, alloc: [0, 0, 0, 0], demand: [0, 0, 0, 0] },
    ],
    [0, 8000, 0, 0],
    0,
  );
  assert.deepEqual(r.tenants.map((t) => t.id), ['a', 'b'], 'idle tenants are not counted');
  // raw over shares (0.75, 0.25): 1² / (2·0.625) = 0.8
  close(r.jainRaw, 0.8);
  // normalised over min(1, share/fair) = (1, 0.5): 1.5² / (2·1.25) = 0.9
  close(r.jainNormalised, 0.9);
  // ρ = fair / share: a 0.5/0.75 = 2/3 (ahead), b 0.5/0.25 = 2 (twice as slow as its fair allocation)
  close(r.tenants[0]!.rho, 2 / 3);
  close(r.tenants[1]!.rho, 2);
  const starved = measureFairness([{ id: 's', weight: 1, alloc: [0, 0, 0, 0], demand: [0, 1000, 0, 0] }], [0, 8000, 0, 0], 0);
  assert.equal(starved.tenants[0]!.rho, RHO_CAP);
});

test('the monitor corrects only below its threshold, over a sliding window, each action with a reason', () => {
  const m = new FairnessMonitor({ windowMs: 10_000, tickMs: 1000, threshold: 0.95, capSlack: 0.1 });
  const loads = (aGpu: number, bGpu: number) => [
    { id: 'a', weight: 1, alloc: [0, aGpu, 0, 0], demand: [0, 8000, 0, 0] },
    { id: 'b', weight: 1, alloc: [0, bGpu, 0, 0], demand: [0, 8000, 0, 0] },
  ];
  const fair = measureFairness(loads(4000, 4000), [0, 8000, 0, 0], 0);
  m.record(fair);
  assert.equal(m.corrections(fair).reasons.length, 0);
  const skewed = measureFairness(loads(7000, 1000), [0, 8000, 0, 0], 1000);
  m.record(skewed);
  // Window mean of min(1, share/fair): a (1, 1) → 1; b (1, 0.25) → 0.625; J = 1.625² / (2·(1 + 0.390625)) ≈ 0.9494 < 0.95
  const c = m.corrections(skewed);
  close(c.boosts.get('b')!, 0.375);
  close(c.caps.get('a')!, 0.5);
  assert.deepEqual(c.reasons.map((r) => [r.tenantId, r.code]), [['b', 'boost-under-served'], ['a', 'cap-over-consumer']]);
  // Samples older than the window drop out: a fair reading 20 s later restores J = 1.
  const later = measureFairness(loads(4000, 4000), [0, 8000, 0, 0], 20_000);
  m.record(later);
  assert.equal(m.corrections(later).reasons.length, 0);
});
