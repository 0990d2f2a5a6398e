// Property tests (fast-check) over the scheduling cycle and the reducer: no node over-committed, every pending job
// placed or given a reason, J ∈ [1/n, 1], same seed ⇒ same plan, replaying the event log rebuilds the same state,
// and the aging bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { JobSpec } from '../src/core/domain/job.ts';
import type { Tenant } from '../src/core/domain/tenant.ts';
import { DIMENSIONS } from '../src/core/domain/resources.ts';
import { createControlState } from '../src/core/control/state.ts';
import { step } from '../src/core/control/step.ts';
import { exportState } from '../src/core/control/export.ts';
import { jainIndex } from '../src/core/fairness/jain.ts';
import { measureFairness } from '../src/core/fairness/monitor.ts';
import { BUILTIN_PROFILES, fairwayProfile, resolveProfile, type ResolvedProfile } from '../src/core/scheduler/profiles.ts';
import { schedule } from '../src/core/scheduler/schedule.ts';
import type { ClusterSnapshot, NodeSnapshot, PendingJob } from '../src/core/scheduler/snapshot.ts';
import { createRng } from '../src/core/util/rng.ts';
import { makeJob, makeTenant } from './harness/builders.ts';
import { SchedulerHarness } from './harness/scheduler-harness.ts';

const PROFILES: ResolvedProfile[] = [
  ...Object.keys(BUILTIN_PROFILES).map((p) => resolveProfile(p)),
  // The capacity index on every cycle, however small, so the properties cover it too.
  resolveProfile({ ...fairwayProfile({ minWork: 0, maxCandidates: 2 }), name: 'fairway-indexed' }),
];

const tenantIds = ['a', 'b', 'c'];
const arbNode = (i: number): fc.Arbitrary<NodeSnapshot> =>
  fc.record({
    cpu: fc.integer({ min: 1, max: 16 }),
    gpu: fc.integer({ min: 0, max: 8 }),
    mem: fc.integer({ min: 1, max: 64 }),
    used: fc.double({ min: 0, max: 1, noNaN: true }),
    status: fc.constantFrom('ready', 'ready', 'ready', 'draining', 'down'),
    zone: fc.constantFrom('z1', 'z2'),
    ds: fc.boolean(),
  }).map((r) => {
    const capacity = { cpuMilli: r.cpu * 1000, gpuMilli: r.gpu * 1000, memMiB: r.mem * 1024, netMbps: 1000 };
    const allocated = { cpuMilli: Math.floor(capacity.cpuMilli * r.used), gpuMilli: Math.floor(capacity.gpuMilli * r.used), memMiB: Math.floor(capacity.memMiB * r.used), netMbps: 0 };
    return { id: `n${i}`, capacity, allocated, status: r.status as NodeSnapshot['status'], labels: { zone: r.zone }, ...(r.ds ? { cachedDatasets: ['ds@1'] } : {}) };
  });

const arbJob = (i: number): fc.Arbitrary<PendingJob> =>
  fc.record({
    tenant: fc.constantFrom(...tenantIds, 'ghost'),
    cpu: fc.integer({ min: 0, max: 20 }),
    gpu: fc.integer({ min: 0, max: 10 }),
    mem: fc.integer({ min: 1, max: 70 }),
    gang: fc.integer({ min: 1, max: 3 }),
    at: fc.integer({ min: 0, max: 100_000 }),
    cls: fc.constantFrom('critical', 'high', 'normal', 'low'),
    zone: fc.option(fc.constantFrom('z1', 'z2', 'z9'), { nil: undefined }),
    ds: fc.boolean(),
    postponements: fc.integer({ min: 0, max: 30 }),
    attained: fc.integer({ min: 0, max: 1000 }),
  }).map((r) => {
    let b = makeJob(`j${i}`).tenant(r.tenant).request({ cpuMilli: r.cpu * 500, gpuMilli: r.gpu * 500, memMiB: r.mem * 512, netMbps: 0 }).gang(r.gang).submittedAt(r.at).priority(r.cls as JobSpec['priorityClass']);
    if (r.zone) b = b.selector({ zone: r.zone });
    if (r.ds) b = b.dataset('ds@1');
    return b.pending({ postponements: r.postponements, attainedService: r.attained });
  });

const arbTenants = fc.tuple(...tenantIds.map((id) => fc.record({ weight: fc.integer({ min: 1, max: 4 }), gpuGuarantee: fc.integer({ min: 0, max: 4 }) }).map((r): Tenant => makeTenant(id).weight(r.weight).guaranteed({ gpuMilli: r.gpuGuarantee * 1000 }).build())));

const arbScenario = fc
  .record({ nodeCount: fc.integer({ min: 0, max: 6 }), jobCount: fc.integer({ min: 0, max: 25 }), tenants: arbTenants, boost: fc.double({ min: 0, max: 1, noNaN: true }) })
  .chain((s) =>
    fc.record({
      nodes: fc.tuple(...Array.from({ length: s.nodeCount }, (_, i) => arbNode(i))),
      jobs: fc.tuple(...Array.from({ length: s.jobCount }, (_, i) => arbJob(i))),
      tenants: fc.constant(s.tenants),
      boost: fc.constant(s.boost),
      profile: fc.constantFrom(...PROFILES),
      seed: fc.integer({ min: 0, max: 1000 }),
    }),
  )
  .map((s) => {
    // Running jobs that account for each node's allocation (one per node, tenant a), so the snapshot is consistent.
    const running = s.nodes.filter((n) => n.allocated.cpuMilli + n.allocated.gpuMilli + n.allocated.memMiB > 0).map((n) => ({ spec: makeJob(`r-${n.id}`).tenant('a').request({ ...n.allocated, cpuMilli: Math.max(1, n.allocated.cpuMilli) }).build(), nodeIds: [n.id], startedAtMs: 0 }));
    const nodes = s.nodes.map((n, i) => ({ ...n, allocated: running.find((r) => r.nodeIds[0] === n.id)?.spec.request ?? n.allocated, id: `n${i}` }));
    const alloc = { cpuMilli: 0, gpuMilli: 0, memMiB: 0, netMbps: 0 };
    const acc = alloc as Record<string, number>;
    for (const r of running) for (const d of DIMENSIONS) acc[d] = (acc[d] ?? 0) + r.spec.request[d];
    const snapshot: ClusterSnapshot = {
      nodes,
      running,
      tenants: new Map(s.tenants.map((t) => [t.id, { tenant: t, allocated: t.id === 'a' ? alloc : { cpuMilli: 0, gpuMilli: 0, memMiB: 0, netMbps: 0 }, ...(t.id === 'b' ? { fairnessBoost: s.boost } : {}) }])),
    };
    return { snapshot, pending: s.jobs, profile: s.profile, seed: s.seed };
  });

test('a cycle never over-commits a node, places only where allowed, and accounts for every pending job', () => {
  fc.assert(
    fc.property(arbScenario, ({ snapshot, pending, profile, seed }) => {
      const plan = schedule(snapshot, pending, profile, 200_000, createRng(seed));
      const byId = new Map(pending.map((j) => [j.spec.id, j.spec]));
      // Every pending job exactly once: placed or postponed with at least one reason.
      const seen = [...plan.placements.map((p) => p.jobId), ...plan.postponed.map((p) => p.jobId)].sort();
      assert.deepEqual(seen, pending.map((j) => j.spec.id).sort(), profile.name);
      for (const p of plan.postponed) assert.ok(p.reasons.length > 0, `${p.jobId} postponed without a reason`);
      // Capacity after placements (and minus preempted jobs, which only free): never above any node's capacity.
      const used = new Map(snapshot.nodes.map((n) => [n.id, { ...n.allocated }]));
      for (const p of plan.placements) {
        const spec = byId.get(p.jobId)!;
        assert.equal(p.nodeIds.length, spec.gangSize, 'one node per task');
        for (const id of p.nodeIds) {
          const node = snapshot.nodes.find((n) => n.id === id)!;
          assert.equal(node.status, 'ready', `${p.jobId} placed on a ${node.status} node`);
          for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) assert.equal(node.labels[k], v);
          const u = used.get(id)!;
          const acc = u as Record<string, number>;
          for (const d of DIMENSIONS) acc[d] = (acc[d] ?? 0) + spec.request[d];
        }
      }
      for (const n of snapshot.nodes) for (const d of DIMENSIONS) assert.ok(used.get(n.id)![d] <= n.capacity[d], `${n.id}.${d} over-committed under ${profile.name}`);
      // Preemptions: only preemptible running jobs.
      for (const pre of plan.preemptions) assert.ok(snapshot.running.find((r) => r.spec.id === pre.jobId)?.spec.preemptible);
    }),
    { numRuns: 300, seed: 42 },
  );
});

test('same inputs and seed ⇒ the same plan', () => {
  fc.assert(
    fc.property(arbScenario, ({ snapshot, pending, profile, seed }) => {
      const a = schedule(snapshot, pending, profile, 200_000, createRng(seed));
      const b = schedule(snapshot, [...pending], profile, 200_000, createRng(seed));
      assert.deepEqual(a, b);
    }),
    { numRuns: 100, seed: 7 },
  );
});

test("Jain's index stays in [1/n, 1]", () => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 50 }), (xs) => {
      const j = jainIndex(xs);
      assert.ok(j >= 1 / xs.length - 1e-12 && j <= 1 + 1e-12, `J = ${j} for n = ${xs.length}`);
    }),
    { numRuns: 500, seed: 3 },
  );
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 8000 }), fc.integer({ min: 0, max: 8000 }), fc.integer({ min: 1, max: 5 })), { minLength: 1, maxLength: 8 }), (ts) => {
      const r = measureFairness(ts.map(([alloc, extra, w], i) => ({ id: `t${i}`, weight: w, alloc: [0, alloc, 0, 0], demand: [0, alloc + extra, 0, 0] })), [0, 8000 * ts.length, 0, 0], 0);
      const n = Math.max(1, r.tenants.length);
      for (const j of [r.jainRaw, r.jainNormalised]) assert.ok(j >= 1 / n - 1e-12 && j <= 1 + 1e-12);
    }),
    { numRuns: 300, seed: 4 },
  );
});

const node8 = (id: string) => ({ id, capacity: { cpuMilli: 64_000, gpuMilli: 8000, memMiB: 512 * 1024, netMbps: 10_000 }, labels: {}, status: 'ready' as const });

test('replaying the event log rebuilds the same state and the same commands', () => {
  const arbRun = fc.record({
    jobs: fc.array(fc.record({ gpus: fc.integer({ min: 0, max: 10 }), gang: fc.integer({ min: 1, max: 2 }), at: fc.integer({ min: 0, max: 60_000 }), dur: fc.integer({ min: 1000, max: 30_000 }), tenant: fc.constantFrom('a', 'b'), cancelAt: fc.option(fc.integer({ min: 0, max: 60_000 }), { nil: undefined }) }), { maxLength: 30 }),
    loseNodeAt: fc.option(fc.integer({ min: 0, max: 60_000 }), { nil: undefined }),
    profile: fc.constantFrom('fairway', 'drf', 'fifo', 'tiresias'),
    seed: fc.integer({ min: 0, max: 100 }),
  });
  fc.assert(
    fc.property(arbRun, (r) => {
      const h = new SchedulerHarness({ profile: r.profile, seed: r.seed, fairness: { tickMs: 5000, windowMs: 20_000, threshold: 0.9 } });
      h.tenant(makeTenant('a').guaranteed({ gpuMilli: 4000 }).build()).tenant(makeTenant('b').weight(2).build());
      h.node(node8('n1')).node(node8('n2')).node(node8('n3'));
      r.jobs.forEach((j, i) => {
        h.submit(makeJob(`j${i}`).tenant(j.tenant).gpus(j.gpus).cpu(1).gang(j.gang).duration(j.dur).build(), j.at);
        if (j.cancelAt !== undefined) h.at(Math.max(j.at, j.cancelAt), { type: 'JobCancelled', atMs: Math.max(j.at, j.cancelAt), jobId: `j${i}` });
      });
      if (r.loseNodeAt !== undefined) h.at(r.loseNodeAt, { type: 'NodeLost', atMs: r.loseNodeAt, nodeId: 'n2' });
      h.run(Number.POSITIVE_INFINITY, 100_000);
      // Replay: the same events, at the same times, into a fresh state with the same seed.
      const state = createControlState({ profile: r.profile, fairness: { tickMs: 5000, windowMs: 20_000, threshold: 0.9 } });
      const rng = createRng(r.seed);
      const commands = [];
      for (const { atMs, event } of h.log) commands.push(...step(state, event, atMs, rng).commands);
      assert.deepEqual(exportState(state), exportState(h.state));
      assert.deepEqual(commands, h.commands.map((c) => c.command));
      // And the end state is sane: nothing holds resources, every job ended (lost node's jobs were requeued).
      for (const n of h.state.nodes.values()) assert.deepEqual(n.alloc, [0, 0, 0, 0]);
    }),
    { numRuns: 60, seed: 11 },
  );
});

test('aging bound: a job of a tenant within its fair share waits at most guard + longest job + one cycle under adversarial arrivals', () => {
  const guardMs = 60_000;
  const maxDurMs = 120_000;
  const cycleMs = 1000;
  const bound = guardMs + maxDurMs + cycleMs;
  // A steady stream (a gap of at most 5 s) of higher-tier, higher-class jobs of every size, so there is always
  // something that could backfill the space the victim needs.
  const arbAdversary = fc.array(
    fc.record({ gap: fc.integer({ min: 0, max: 5000 }), gpus: fc.constantFrom(1, 2, 4, 8), dur: fc.integer({ min: 1000, max: maxDurMs }), tenant: fc.constantFrom('x', 'y'), cls: fc.constantFrom('critical', 'high') }),
    { minLength: 100, maxLength: 200 },
  );
  fc.assert(
    fc.property(arbAdversary, fc.integer({ min: 0, max: 50 }), (adversary, seed) => {
      const h = new SchedulerHarness({ profile: fairwayProfile({ priority: { starvationGuardMs: guardMs } }), cycleIntervalMs: cycleMs, seed });
      h.tenant(makeTenant('v').tier('bronze').build()).tenant(makeTenant('x').tier('platinum').weight(4).build()).tenant(makeTenant('y').tier('platinum').weight(4).build());
      h.node(node8('n1')).node(node8('n2'));
      // The cluster starts full of adversary work (running, bounded durations).
      h.submit(makeJob('warm1').tenant('x').gpus(8).duration(maxDurMs).priority('critical').build(), 0);
      h.submit(makeJob('warm2').tenant('y').gpus(8).duration(maxDurMs).priority('critical').build(), 0);
      h.run(500);
      // The victim: lowest tier, lowest class, half a node. Adversaries arrive from then on, as they please.
      const t0 = 1000;
      h.submit(makeJob('victim').tenant('v').gpus(4).priority('low').duration(10_000).build(), t0);
      let at = t0;
      adversary.forEach((a, i) => {
        at += a.gap;
        h.submit(makeJob(`adv${i}`).tenant(a.tenant).gpus(a.gpus).duration(a.dur).priority(a.cls as JobSpec['priorityClass']).build(), at);
      });
      h.run(t0 + bound + 10 * cycleMs);
      const start = h.launched().find((l) => l.jobId === 'victim');
      assert.ok(start, `victim never started within ${bound} ms`);
      assert.ok(start.atMs - t0 <= bound, `victim waited ${start.atMs - t0} ms > bound ${bound} ms`);
    }),
    { numRuns: 30, seed: 5 },
  );
});
