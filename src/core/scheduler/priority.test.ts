import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { makeJob, makeSnapshot, makeTenant, makeNode } from '../../../test/harness/builders.ts';
import { createRng } from '../util/rng.ts';
import { CycleState } from './cycle-state.ts';
import { computePriority, DEFAULT_PRIORITY_WEIGHTS, priorityTotal, STARVING_LIFT, tenantTerms, type PriorityWeights } from './priority.ts';
import type { PendingJob } from './snapshot.ts';

const snapshot = makeSnapshot({
  nodes: [makeNode('n1').build()],
  tenants: [makeTenant('gold2').tier('gold').weight(2).build(), makeTenant('bronze').tier('bronze').weight(0.5).build(), makeTenant('plat').tier('platinum').weight(1).build()],
});
const cycle = new CycleState(snapshot, 0, createRng(1), {});
const w: PriorityWeights = { ...DEFAULT_PRIORITY_WEIGHTS, starvationGuardMs: Number.POSITIVE_INFINITY };

test('priority formula, term by term', () => {
  const now = 600_000; // 10 min
  const rows: [string, PendingJob, string, Partial<Record<'tier' | 'class' | 'weight' | 'urgency' | 'aging' | 'total', number>>][] = [
    // gold 200 + normal 100 + 50·log2(2)=50 + aging 100·10min/1min = 1000 → 1350
    ['gold, weight 2, waited 10 min', makeJob().tenant('gold2').submittedAt(0).pending(), 'gold2', { tier: 200, class: 100, weight: 50, aging: 1000, total: 1350 }],
    // bronze 0 + critical 300 + 50·log2(0.5) = −50 + aging 0 (just submitted) → 250
    ['bronze, weight 0.5, critical, fresh', makeJob().tenant('bronze').priority('critical').submittedAt(now).pending(), 'bronze', { tier: 0, class: 300, weight: -50, aging: 0, total: 250 }],
    // deadline in 40 min, 10 min of work → slack 30 min of a 60 min horizon → urgency 200·(1 − 0.5) = 100;
    // 3 postponements add 30 aging points: platinum 300 + low 0 + 0 + 100 + 30 = 430
    ['deadline slack half the horizon, 3 postponements', makeJob().tenant('plat').priority('low').submittedAt(now).deadline(now + 2_400_000).duration(600_000).pending({ postponements: 3 }), 'plat', { urgency: 100, aging: 30, total: 430 }],
    // past its deadline: urgency saturates at 200
    ['overdue', makeJob().tenant('plat').priority('low').submittedAt(now).deadline(now - 1).pending(), 'plat', { urgency: 200, total: 500 }],
  ];
  for (const [name, job, tenantId, expected] of rows) {
    const p = computePriority(job, cycle.tenants.get(tenantId), now, w);
    for (const [k, v] of Object.entries(expected)) assert.ok(Math.abs((p as unknown as Record<string, number>)[k]! - v) < 1e-9, `${name}: ${k} = ${(p as unknown as Record<string, number>)[k]}, expected ${v}`);
  }
});

test('postponement aging is capped at 200 points; wait aging is not', () => {
  const job = makeJob().tenant('plat').submittedAt(0).pending({ postponements: 1000 });
  const p = computePriority(job, cycle.tenants.get('plat'), 0, w);
  assert.equal(p.aging, 200);
  assert.equal(computePriority(job, cycle.tenants.get('plat'), 3_600_000, w).aging, 200 + 6000);
});

test('fairness boost: how far under its fair share the tenant is', () => {
  const t = cycle.tenants.get('gold2')!;
  t.fairShare = 0.5; // holds 0 → boost 1 → 200 points
  const job = makeJob().tenant('gold2').submittedAt(0).pending();
  assert.equal(computePriority(job, t, 0, w).fairness, 200);
  t.alloc[1] = 4000; // 4 of 8 GPUs = 0.5 share = its fair share → boost 0
  assert.equal(computePriority(job, t, 0, w).fairness, 0);
  t.alloc[1] = 0;
});

test('the starvation lift applies after the guard only to tenants within their fair share', () => {
  const guard: PriorityWeights = { ...w, starvationGuardMs: 60_000 };
  const t = cycle.tenants.get('bronze')!;
  t.fairShare = 0.25;
  const job = makeJob().tenant('bronze').submittedAt(0).pending();
  assert.equal(computePriority(job, t, 59_999, guard).starving, false);
  const lifted = computePriority(job, t, 60_000, guard);
  assert.equal(lifted.starving, true);
  assert.ok(lifted.total >= STARVING_LIFT);
  t.alloc[1] = 4000; // share 0.5 > fair 0.25: over its share, no lift
  assert.equal(computePriority(job, t, 60_000, guard).starving, false);
  t.alloc[1] = 0;
});

test('priorityTotal equals computePriority(...).total exactly (the queue sort uses the lean one)', () => {
  const ids = ['gold2', 'bronze', 'plat', 'unknown'];
  fc.assert(
    fc.property(
      fc.constantFrom(...ids), fc.integer({ min: 0, max: 10 * 3_600_000 }), fc.integer({ min: 0, max: 40 }),
      fc.constantFrom<('low' | 'normal' | 'high' | 'critical')[]>('low', 'normal', 'high', 'critical'),
      fc.option(fc.integer({ min: 0, max: 20 * 3_600_000 })), fc.boolean(),
      (tid, submittedAt, postponements, cls, deadline, guard) => {
        const b = makeJob().tenant(tid).submittedAt(submittedAt).priority(cls);
        const job = { ...(deadline === null ? b : b.deadline(deadline)).pending(), postponements };
        const weights = guard ? DEFAULT_PRIORITY_WEIGHTS : w;
        const t = cycle.tenants.get(tid);
        const now = 12 * 3_600_000;
        assert.equal(priorityTotal(job, t, now, weights, tenantTerms(t)), computePriority(job, t, now, weights).total);
      },
    ),
    { numRuns: 300 },
  );
});
