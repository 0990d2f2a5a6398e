import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { makeJob, makeNode, makeSnapshot, makeTenant } from '../../../test/harness/builders.ts';
import { SchedulerHarness } from '../../../test/harness/scheduler-harness.ts';
import { explainJob } from '../control/queries.ts';
import type { Plan, Reservation } from '../domain/plan.ts';
import { createRng } from '../util/rng.ts';
import { fairwayProfile, resolveProfile } from './profiles.ts';
import { schedule } from './schedule.ts';
import type { PendingJob, RunningJob } from './snapshot.ts';

const H = 3_600_000;
const node8 = (id: string) => ({ id, capacity: { cpuMilli: 64_000, gpuMilli: 8000, memMiB: 512 * 1024, netMbps: 10_000 }, labels: {}, status: 'ready' as const });
// Placement by best fit alone, so the node a job lands on follows from free capacity only.
const profile = resolveProfile(fairwayProfile({ locality: false, interference: false, forecast: false }));
const tenants = [makeTenant('v').tier('bronze').build(), makeTenant('x').tier('platinum').build()];
const running = (id: string, node: string, gpus: number, startedAtMs: number, durationMs: number | undefined): RunningJob => {
  const b = makeJob(id).tenant('x').gpus(gpus);
  return { spec: (durationMs === undefined ? b : b.duration(durationMs)).build(), nodeIds: [node], startedAtMs };
};
const run = (runningJobs: readonly RunningJob[], pending: readonly PendingJob[], now: number, reservations?: readonly Reservation[]): Plan => {
  const snapshot = makeSnapshot({ nodes: [makeNode('n1').build(), makeNode('n2').build()], tenants, running: runningJobs });
  return schedule(reservations ? { ...snapshot, reservations } : snapshot, pending, profile, now, createRng(1));
};

test('a reservation holds the nodes that free up soonest and carries its estimated start', () => {
  // n1: 2 GPUs free, the rest frees at 4 h. n2: 3 GPUs free (more), the rest frees at 6 h. The starving 8-GPU job
  // (waited 3 h > the 2 h guard, its tenant holds nothing) is held n1, expected to start at 4 h.
  const plan = run([running('r1', 'n1', 6, 0, 4 * H), running('r2', 'n2', 5, 0, 6 * H)], [makeJob('victim').tenant('v').gpus(8).submittedAt(0).pending()], 3 * H);
  assert.deepEqual(plan.reservations, [{ jobId: 'victim', nodeIds: ['n1'], sinceMs: 3 * H, estimatedStartMs: 4 * H }]);
});

test('backfilling onto reserved nodes: short jobs may, long ones only where the held job still fits', () => {
  // n1: 6 GPUs busy until 4 h (2 free); n2 full until 6 h. The victim is held n1 and expected to start at 4 h; a
  // candidate of tenant x arrives at 3 h and can only go to n1.
  const cases: { name: string; victimGpus: number; r1DurationMs: number | undefined; r2DurationMs?: number | undefined; gpus: number; durationMs: number | undefined; placed: boolean }[] = [
    { name: 'ends before the estimated start', victimGpus: 8, r1DurationMs: 4 * H, gpus: 2, durationMs: 0.5 * H, placed: true },
    { name: 'ends exactly at the estimated start', victimGpus: 8, r1DurationMs: 4 * H, gpus: 2, durationMs: 1 * H, placed: true },
    { name: 'runs past it and the victim needs the whole node', victimGpus: 8, r1DurationMs: 4 * H, gpus: 2, durationMs: 2 * H, placed: false },
    { name: 'runs past it but the victim still fits beside it', victimGpus: 4, r1DurationMs: 4 * H, gpus: 2, durationMs: 2 * H, placed: true },
    { name: 'no expected duration: never backfills', victimGpus: 4, r1DurationMs: 4 * H, gpus: 2, durationMs: undefined, placed: false },
    { name: 'estimated start unknown (running jobs without duration)', victimGpus: 8, r1DurationMs: undefined, r2DurationMs: undefined, gpus: 2, durationMs: 0.5 * H, placed: false },
  ];
  for (const c of cases) {
    const cand = makeJob('cand').tenant('x').gpus(c.gpus).submittedAt(3 * H);
    const plan = run(
      [running('r1', 'n1', 6, 0, c.r1DurationMs), running('r2', 'n2', 8, 0, 'r2DurationMs' in c ? c.r2DurationMs : 6 * H)],
      [makeJob('victim').tenant('v').gpus(c.victimGpus).submittedAt(0).pending(), (c.durationMs === undefined ? cand : cand.duration(c.durationMs)).pending()],
      3 * H,
    );
    assert.deepEqual(plan.reservations?.map((r) => [r.jobId, r.nodeIds]), [['victim', ['n1']]], c.name);
    if (c.placed) assert.deepEqual(plan.placements, [{ jobId: 'cand', nodeIds: ['n1'] }], c.name);
    else {
      assert.deepEqual(plan.placements, [], c.name);
      const reasons = plan.postponed.find((p) => p.jobId === 'cand')?.reasons ?? [];
      assert.ok(reasons.some((r) => r.code === 'reserved-for-starving-job'), `${c.name}: ${JSON.stringify(reasons)}`);
    }
  }
});

test('a backfilled long job uses up the spare room: the next one no longer fits beside the held job', () => {
  // n1 has 4 GPUs free now and 8 at 4 h, when the 6-GPU victim is expected to start there: 2 spare GPUs then. Two
  // long 1-GPU jobs take them; a third is refused although n1 still has 2 free now (it would leave the victim short).
  const pending = [
    makeJob('victim').tenant('v').gpus(6).submittedAt(0).pending(),
    makeJob('l1').tenant('x').gpus(1).duration(5 * H).submittedAt(3 * H).pending(),
    makeJob('l2').tenant('x').gpus(1).duration(5 * H).submittedAt(3 * H + 1).pending(),
    makeJob('l3').tenant('x').gpus(1).duration(5 * H).submittedAt(3 * H + 2).pending(),
  ];
  const plan = run([running('r1', 'n1', 4, 0, 4 * H), running('r2', 'n2', 8, 0, 6 * H)], pending, 3 * H);
  assert.deepEqual(plan.reservations?.map((r) => [r.jobId, r.nodeIds, r.estimatedStartMs]), [['victim', ['n1'], 4 * H]]);
  assert.deepEqual(plan.placements.map((p) => p.jobId).sort(), ['l1', 'l2']);
  assert.ok(plan.postponed.find((p) => p.jobId === 'l3')?.reasons.some((r) => r.code === 'reserved-for-starving-job'));
});

test('only a tenant within its fair share reserves; a carried reservation lapses once its tenant is over it', () => {
  // Tenant v holds 14 of 16 GPUs while x waits with a large demand: v is over its fair share, so its old job is not
  // starving and neither gets nor keeps a reservation.
  const vRunning: RunningJob[] = [
    { spec: makeJob('v1').tenant('v').gpus(8).duration(10 * H).build(), nodeIds: ['n2'], startedAtMs: 0 },
    { spec: makeJob('v2').tenant('v').gpus(6).duration(10 * H).build(), nodeIds: ['n1'], startedAtMs: 0 },
  ];
  const pending = [makeJob('vjob').tenant('v').gpus(4).submittedAt(0).pending(), makeJob('xjob').tenant('x').gpus(8).gang(2).submittedAt(3 * H).pending()];
  const fresh = run(vRunning, pending, 3 * H);
  assert.equal(fresh.reservations, undefined);
  const carried = run(vRunning, pending, 3 * H, [{ jobId: 'vjob', nodeIds: ['n1'], sinceMs: 2 * H }]);
  assert.equal(carried.reservations, undefined);
  // Within its share (holding nothing), the same job keeps its carried reservation, with a fresh estimate.
  const within = run([running('r1', 'n1', 6, 0, 4 * H), running('r2', 'n2', 8, 0, 6 * H)], [pending[0] as PendingJob], 3 * H, [{ jobId: 'vjob', nodeIds: ['n1'], sinceMs: 2 * H }]);
  assert.deepEqual(within.reservations, [{ jobId: 'vjob', nodeIds: ['n1'], sinceMs: 2 * H, estimatedStartMs: 4 * H }]);
});

test('through the reducer: short jobs backfill the held node, the held job starts no later than its estimated start', () => {
  const guardMs = 60_000;
  const cycleMs = 1000;
  const h = new SchedulerHarness({ profile: fairwayProfile({ priority: { starvationGuardMs: guardMs } }), cycleIntervalMs: cycleMs, seed: 3 });
  h.tenant(makeTenant('v').tier('bronze').build()).tenant(makeTenant('x').tier('platinum').weight(4).build());
  h.node(node8('n1')).node(node8('n2'));
  h.submit(makeJob('warm1').tenant('x').gpus(6).duration(300_000).priority('critical').build(), 0);
  h.submit(makeJob('warm2').tenant('x').gpus(8).duration(400_000).priority('critical').build(), 0);
  h.submit(makeJob('victim').tenant('v').gpus(8).priority('low').duration(10_000).build(), 1000);
  h.run(guardMs + 5 * cycleMs);
  const held = h.state.reservations.find((r) => r.jobId === 'victim');
  assert.ok(held?.estimatedStartMs !== undefined, 'the victim holds nodes with an estimated start');
  const estimate = held.estimatedStartMs;
  // From now on, higher-priority 2-GPU jobs arrive every 5 s, alternately short (20 s) and long (500 s).
  for (let k = 0; k < 60; k++) {
    const at = guardMs + 10_000 + 5000 * k;
    h.submit(makeJob(`adv${k}`).tenant('x').gpus(2).priority('critical').duration(k % 2 === 0 ? 20_000 : 500_000).build(), at);
  }
  h.run(estimate + 10 * cycleMs);
  const launches = h.launched();
  const victim = launches.find((l) => l.jobId === 'victim');
  assert.ok(victim, 'the victim started');
  assert.ok(victim.atMs <= estimate + cycleMs, `victim started at ${victim.atMs}, estimated ${estimate}`);
  const backfilled = launches.filter((l) => l.jobId.startsWith('adv') && l.atMs < estimate && l.nodeIds.some((n) => held.nodeIds.includes(n)));
  assert.ok(backfilled.length > 0, 'short jobs used the held node while it drained');
  const ids = new Set(backfilled.map((l) => Number(l.jobId.slice(3))));
  assert.ok([...ids].every((k) => k % 2 === 0), `only short jobs backfilled before the estimate: ${[...ids].join(',')}`);
  // Placed: the reservation is gone.
  assert.equal(h.state.reservations.find((r) => r.jobId === 'victim'), undefined);
});

test('cancelling a job releases its reservation at once', () => {
  const h = new SchedulerHarness({ profile: fairwayProfile({ priority: { starvationGuardMs: 10_000 } }), cycleIntervalMs: 1000, seed: 1 });
  h.tenant(makeTenant('v').build()).tenant(makeTenant('x').build());
  h.node(node8('n1'));
  h.submit(makeJob('busy').tenant('x').gpus(8).duration(100_000).build(), 0);
  h.submit(makeJob('victim').tenant('v').gpus(8).duration(10_000).build(), 500);
  // A later arrival runs a cycle after the guard (cycles run on events, not on a clock).
  h.submit(makeJob('later').tenant('x').gpus(8).duration(10_000).build(), 15_000);
  h.run(20_000);
  assert.deepEqual(h.state.reservations.map((r) => r.jobId), ['victim']);
  // "Why is my job waiting" names the held node and when the job should start there (when 'busy' ends).
  const why = explainJob(h.state, 'victim', 20_000).reservation;
  assert.deepEqual([why?.nodeIds, why?.estimatedStartMs], [['n1'], h.launched().find((l) => l.jobId === 'busy')!.atMs + 100_000]);
  h.apply({ type: 'JobCancelled', atMs: 20_000, jobId: 'victim' });
  assert.deepEqual(h.state.reservations, []);
  assert.equal(explainJob(h.state, 'victim', 20_000).reservation, undefined);
});

test('property: under adversarial arrivals a held job starts no later than the estimate it got when first held', () => {
  const guardMs = 60_000;
  const maxDurMs = 120_000;
  const cycleMs = 1000;
  const arbAdversary = fc.array(
    fc.record({ gap: fc.integer({ min: 0, max: 5000 }), gpus: fc.constantFrom(1, 2, 4, 8), dur: fc.integer({ min: 1000, max: maxDurMs }), tenant: fc.constantFrom('x', 'y') }),
    { minLength: 50, maxLength: 150 },
  );
  let held = 0;
  fc.assert(
    fc.property(arbAdversary, fc.constantFrom(4, 6, 8), (adversary, victimGpus) => {
      const h = new SchedulerHarness({ profile: fairwayProfile({ priority: { starvationGuardMs: guardMs } }), cycleIntervalMs: cycleMs, seed: 1 });
      h.tenant(makeTenant('v').tier('bronze').build()).tenant(makeTenant('x').tier('platinum').weight(4).build()).tenant(makeTenant('y').tier('platinum').weight(4).build());
      h.node(node8('n1')).node(node8('n2'));
      // The nodes start partly busy, so there is room to backfill (or to misuse) while the victim's nodes drain.
      h.submit(makeJob('warm1').tenant('x').gpus(6).duration(maxDurMs).priority('critical').build(), 0);
      h.submit(makeJob('warm2').tenant('y').gpus(5).duration(maxDurMs / 2).priority('critical').build(), 0);
      h.run(500);
      const t0 = 1000;
      h.submit(makeJob('victim').tenant('v').gpus(victimGpus).priority('low').duration(10_000).build(), t0);
      let at = t0;
      adversary.forEach((a, i) => {
        at += a.gap;
        h.submit(makeJob(`adv${i}`).tenant(a.tenant).gpus(a.gpus).duration(a.dur).priority('critical').build(), at);
      });
      // Step until the victim first holds nodes (or starts), noting the estimate it got then.
      let estimate: number | undefined;
      for (let t = t0; t <= t0 + guardMs + maxDurMs + 10 * cycleMs && estimate === undefined; t += cycleMs) {
        h.run(t);
        if (h.launched().some((l) => l.jobId === 'victim')) break;
        estimate = h.state.reservations.find((r) => r.jobId === 'victim')?.estimatedStartMs;
      }
      h.run(t0 + guardMs + maxDurMs + 20 * cycleMs);
      const start = h.launched().find((l) => l.jobId === 'victim');
      assert.ok(start, 'victim started');
      if (estimate !== undefined) {
        held++;
        assert.ok(start.atMs <= estimate + cycleMs, `victim started at ${start.atMs}, estimated ${estimate}`);
      }
    }),
    { numRuns: 25, seed: 7 },
  );
  assert.ok(held >= 10, `the victim held nodes with an estimate in only ${held} of 25 runs`);
});
