import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeJob, makeNode, makeSnapshot, makeTenant } from '../../../test/harness/builders.ts';
import { createRng } from '../util/rng.ts';
import { BUILTIN_PROFILES, fairwayProfile, resolveProfile, type ProfileConfig } from './profiles.ts';
import { ProfileError } from './profile-error.ts';
import { schedule } from './schedule.ts';
import type { PendingJob } from './snapshot.ts';
import type { Plan } from '../domain/plan.ts';

const tenants = [makeTenant('a').build(), makeTenant('b').build()];
const run = (profile: string | ProfileConfig, snapshot: Parameters<typeof schedule>[0], pending: readonly PendingJob[], now = 0): Plan =>
  schedule(snapshot, pending, resolveProfile(profile), now, createRng(1));
const placedOn = (plan: Plan): Record<string, readonly string[]> => Object.fromEntries(plan.placements.map((p) => [p.jobId, p.nodeIds]));

test('best fit picks the node the task leaves least wasted; first fit takes the first that fits', () => {
  // n1 has 8 GPUs free, n2 only 2: a 2-GPU job wastes least on n2 (score 100·(1 − mean leftover share)).
  const snapshot = makeSnapshot({ nodes: [makeNode('n1').build(), makeNode('n2').allocated({ gpuMilli: 6000, cpuMilli: 24_000, memMiB: 192 * 1024 }).build()], tenants });
  const job = makeJob('j').gpus(2).cpu(8).memMiB(64 * 1024).pending();
  assert.deepEqual(placedOn(run(fairwayProfile({ locality: false, interference: false, forecast: false }), snapshot, [job])), { j: ['n2'] });
  assert.deepEqual(placedOn(run('fifo-greedy', snapshot, [job])), { j: ['n1'] });
});

test('later jobs in a cycle see earlier placements; nothing in the input is mutated', () => {
  const snapshot = makeSnapshot({ nodes: [makeNode('n1').gpus(4).build()], tenants });
  const pending = [makeJob('j1').gpus(3).submittedAt(0).pending(), makeJob('j2').gpus(2).submittedAt(1).pending(), makeJob('j3').gpus(1).submittedAt(2).pending()];
  const before = JSON.stringify({ snapshot: { ...snapshot, tenants: [...snapshot.tenants] }, pending });
  const plan = run('fifo-greedy', snapshot, pending);
  // 4 GPUs: j1 takes 3, j2 (2) no longer fits, j3 (1) does.
  assert.deepEqual(placedOn(plan), { j1: ['n1'], j3: ['n1'] });
  assert.equal(plan.postponed[0]?.jobId, 'j2');
  assert.deepEqual(plan.postponed[0]?.reasons[0], { plugin: 'fit', code: 'insufficient', dimension: 'gpuMilli', nodes: 1, message: '1 node(s) have less than 2000 gpuMilli free' });
  assert.equal(JSON.stringify({ snapshot: { ...snapshot, tenants: [...snapshot.tenants] }, pending }), before);
});

test('a gang is placed all at once or not at all, and a failed gang leaves no trace', () => {
  const snapshot = makeSnapshot({ nodes: [makeNode('n1').build(), makeNode('n2').build(), makeNode('n3').allocated({ gpuMilli: 4000 }).build()], tenants });
  // 3 tasks of 8 GPUs: only n1 and n2 have 8 free → the gang waits; the 4-GPU job behind it still gets n3 or n1.
  const plan = run('fifo-greedy', snapshot, [makeJob('gang').gpus(8).gang(3).submittedAt(0).pending(), makeJob('small').gpus(4).submittedAt(1).pending()]);
  assert.equal(plan.placements.length, 1);
  assert.equal(plan.placements[0]?.jobId, 'small');
  assert.deepEqual(plan.placements[0]?.nodeIds, ['n1'], 'first fit: n1 was not left half-reserved by the failed gang');
  const gang = plan.postponed.find((p) => p.jobId === 'gang');
  assert.equal(gang?.reasons[0]?.code, 'gang-incomplete');
  assert.match(gang?.reasons[0]?.message ?? '', /only 2 of 3 tasks/);
  assert.ok(!gang?.neverFits);
  // Two 8-GPU tasks fit on two empty nodes: placed together.
  const two = run('fairway', makeSnapshot({ nodes: [makeNode('n1').build(), makeNode('n2').build()], tenants }), [makeJob('g2').gpus(8).gang(2).pending()]);
  assert.deepEqual([...(placedOn(two)['g2'] ?? [])].sort(), ['n1', 'n2']);
});

test('bad input gets a never-fits reason naming the cause', () => {
  const snapshot = makeSnapshot({ nodes: [makeNode('n1').labels({ gpu: 'v100' }).build(), makeNode('n2').status('down').build()], tenants });
  const cases: [PendingJob, string, string | undefined][] = [
    [makeJob('huge').gpus(16).pending(), 'larger-than-any-node', 'gpuMilli'],
    [makeJob('gang').gpus(8).gang(3).pending(), 'gang-larger-than-cluster', undefined],
    [makeJob('orphan').tenant('ghost').pending(), 'unknown-tenant', undefined],
    [makeJob('a100').selector({ gpu: 'a100' }).pending(), 'no-matching-labels', undefined],
    [makeJob('neg').request({ cpuMilli: -5 }).pending(), 'invalid-request', 'cpuMilli'],
    [makeJob('nan').request({ memMiB: Number.NaN }).pending(), 'invalid-request', 'memMiB'],
  ];
  for (const profile of Object.keys(BUILTIN_PROFILES)) {
    const plan = run(profile, snapshot, cases.map(([j]) => j));
    assert.equal(plan.placements.length, 0, profile);
    for (const [job, code, dimension] of cases) {
      const p = plan.postponed.find((x) => x.jobId === job.spec.id);
      assert.ok(p, `${profile}: ${job.spec.id} has a postponement`);
      assert.equal(p.neverFits, true, `${profile}: ${job.spec.id}`);
      assert.equal(p.reasons[0]?.code, code, `${profile}: ${job.spec.id}`);
      assert.equal(p.reasons[0]?.dimension, dimension);
    }
  }
});

test('node status and labels filter nodes, each with a counted reason', () => {
  const snapshot = makeSnapshot({ nodes: [makeNode('d').status('draining').build(), makeNode('x').status('down').build(), makeNode('v').labels({ gpu: 'v100' }).build(), makeNode('a').labels({ gpu: 'a100' }).allocated({ gpuMilli: 8000 }).build()], tenants });
  const plan = run('fairway', snapshot, [makeJob('j').gpus(1).selector({ gpu: 'a100' }).pending()]);
  const reasons = plan.postponed[0]?.reasons ?? [];
  // fit runs first: 'a' is full (1 node); 'd' and 'x' pass fit and are not ready (2); 'v' lacks the label (1).
  assert.deepEqual(reasons.map((r) => [r.plugin, r.nodes]), [['node-status', 2], ['fit', 1], ['labels', 1]]);
});

test('data locality breaks a tie toward the node caching the dataset', () => {
  const snapshot = makeSnapshot({ nodes: [makeNode('n1').build(), makeNode('n2').datasets('imagenet@3').build()], tenants });
  assert.deepEqual(placedOn(run('fairway', snapshot, [makeJob('j').gpus(1).dataset('imagenet@3').pending()])), { j: ['n2'] });
  assert.deepEqual(placedOn(run('fairway', snapshot, [makeJob('k').gpus(1).pending()])), { k: ['n1'] }, 'no dataset: tie goes to the smaller id');
});

test('strict FIFO blocks behind the head; fifo-greedy backfills', () => {
  const snapshot = makeSnapshot({ nodes: [makeNode('n1').gpus(4).build()], tenants });
  const pending = [makeJob('big').gpus(8).gang(1).submittedAt(0).pending(), makeJob('fits').gpus(1).submittedAt(1).pending()];
  // 'big' (8 GPUs) never fits a 4-GPU node: never-fits jobs do not block.
  assert.deepEqual(Object.keys(placedOn(run('fifo', snapshot, pending))), ['fits']);
  const busy = makeSnapshot({ nodes: [makeNode('n1').gpus(4).allocated({ gpuMilli: 2000 }).build()], tenants });
  const q = [makeJob('head').gpus(3).submittedAt(0).pending(), makeJob('next').gpus(1).submittedAt(1).pending()];
  const strict = run('fifo', busy, q);
  assert.equal(strict.placements.length, 0);
  assert.equal(strict.postponed.find((p) => p.jobId === 'next')?.reasons[0]?.code, 'blocked-by-head');
  assert.deepEqual(Object.keys(placedOn(run('fifo-greedy', busy, q))), ['next']);
});

test('queue orders of the baselines', () => {
  // One 1-GPU slot per job on a 3-GPU node; which three of the six jobs start shows each order.
  const snapshot = makeSnapshot({
    nodes: [makeNode('n1').gpus(3).build()],
    tenants: [makeTenant('a').build(), makeTenant('b').weight(2).build()],
    running: [],
  });
  const jobs = [
    makeJob('a1').tenant('a').gpus(1).submittedAt(0).pending({ attainedService: 50 }),
    makeJob('a2').tenant('a').gpus(1).submittedAt(1).pending({ attainedService: 0 }),
    makeJob('a3').tenant('a').gpus(1).submittedAt(2).pending({ attainedService: 10 }),
    makeJob('b1').tenant('b').gpus(1).submittedAt(3).pending({ attainedService: 70 }),
    makeJob('b2').tenant('b').gpus(1).submittedAt(4).pending({ attainedService: 5 }),
    makeJob('b3').tenant('b').gpus(1).submittedAt(5).pending({ attainedService: 60 }),
  ];
  const started = (p: string): string[] => run(p, snapshot, jobs).placements.map((x) => x.jobId);
  assert.deepEqual(started('fifo-greedy'), ['a1', 'a2', 'a3']);
  assert.deepEqual(started('round-robin'), ['a1', 'b1', 'a2']);
  assert.deepEqual(started('tiresias'), ['a2', 'b2', 'a3']);
  // DRF by share ÷ weight: a (0/1) ties b (0/2) → a by id; then b (0) < a (1/3); then b (1/3 ÷ 2 = 1/6) < a (1/3).
  assert.deepEqual(started('drf'), ['a1', 'b1', 'b2']);
  assert.deepEqual(started('fair-share'), ['a1', 'b1', 'b2']);
});

test('tenant cap and fairness cap postpone with the cause', () => {
  const capped = makeTenant('a').cap({ cpuMilli: 1_000_000, gpuMilli: 2000, memMiB: 10_000_000, netMbps: 1_000_000 }).build();
  const snapshot = makeSnapshot({ nodes: [makeNode('n1').build()], tenants: [capped, makeTenant('b').build()], usage: { b: { capDominantShare: 0.25 } } });
  const plan = run('fairway', snapshot, [makeJob('a1').tenant('a').gpus(2).submittedAt(0).pending(), makeJob('a2').tenant('a').gpus(1).submittedAt(1).pending(), makeJob('b1').tenant('b').gpus(4).pending()]);
  assert.deepEqual(Object.keys(placedOn(plan)), ['a1']);
  assert.equal(plan.postponed.find((p) => p.jobId === 'a2')?.reasons[0]?.code, 'tenant-cap');
  // b: 4 of 8 GPUs = 50% dominant share > its 25% cap.
  assert.equal(plan.postponed.find((p) => p.jobId === 'b1')?.reasons[0]?.code, 'fair-share-cap');
});

test('preemption only of preemptible jobs of over-guarantee tenants, only to restore a guarantee', () => {
  const a = makeTenant('a').guaranteed({ gpuMilli: 4000 }).build();
  const b = makeTenant('b').build();
  const running = [
    { spec: makeJob('b-old').tenant('b').gpus(4).build(), nodeIds: ['n1'], startedAtMs: 0 },
    { spec: makeJob('b-new').tenant('b').gpus(2).build(), nodeIds: ['n1'], startedAtMs: 10 },
    { spec: makeJob('b-pinned').tenant('b').gpus(2).notPreemptible().build(), nodeIds: ['n1'], startedAtMs: 20 },
  ];
  const snapshot = makeSnapshot({ nodes: [makeNode('n1').build()], tenants: [a, b], running });
  const plan = run('fairway', snapshot, [makeJob('a1').tenant('a').gpus(2).pending()], 100);
  // a holds 0 < 4 guaranteed GPUs; n1 is full. The newest preemptible job of b (b-new, 2 GPUs) is enough.
  assert.deepEqual(plan.preemptions.map((p) => [p.jobId, p.reason.code]), [['b-new', 'restore-guarantee']]);
  assert.ok(plan.postponed[0]?.reasons.some((r) => r.code === 'awaiting-preemption'));
  // Beyond its guarantee, a gets no preemption.
  const over = run('fairway', snapshot, [makeJob('a2').tenant('a').gpus(6).pending()], 100);
  assert.deepEqual(over.preemptions, []);
  // Baselines never preempt.
  assert.deepEqual(run('drf', snapshot, [makeJob('a3').tenant('a').gpus(2).pending()]).preemptions, []);
});

test('profiles with unknown or duplicate plugin names fail at start-up with a typed error', () => {
  const base = BUILTIN_PROFILES['fairway'] as ProfileConfig;
  assert.throws(() => resolveProfile({ ...base, filters: ['fit', 'fit'] }), (e: unknown) => e instanceof ProfileError && e.code === 'invalid_profile' && /twice/.test(e.message));
  assert.throws(() => resolveProfile({ ...base, scores: [{ name: 'magic', weight: 1 }] }), /unknown score plugin 'magic'/);
  assert.throws(() => resolveProfile({ ...base, queueSort: 'fit' }), /is a filter plugin, not queueSort/);
  assert.throws(() => resolveProfile({ ...base, scores: [{ name: 'best-fit', weight: -1 }] }), ProfileError);
  assert.throws(() => resolveProfile('nope'), /unknown profile 'nope'/);
  assert.equal(resolveProfile(fairwayProfile({ locality: false, aging: false })).name, 'fairway-no-locality-no-aging');
});
