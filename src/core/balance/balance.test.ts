import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { resources } from '../domain/resources.ts';
import { demandReservations, planBalance, transferMs } from './balance.ts';
import { DEFAULT_BALANCER_CONFIG, type BalancerJob, type BalancerNode, type BalancerState } from './types.ts';

const GPU = 8000; // 8 GPUs in gpuMilli

function node(id: string, load: number, predicted: number | number[], ready = true): BalancerNode {
  const mean = Array.isArray(predicted) ? predicted : new Array<number>(10).fill(predicted);
  return { id, capacity: resources({ gpuMilli: GPU, cpuMilli: 64000, memMiB: 512 * 1024 }), ready, load, forecast: { mean, se: mean.map(() => 0) } };
}
function job(id: string, nodeId: string, gpus: number, extra: Partial<BalancerJob> = {}): BalancerJob {
  return { id, tenantId: 't1', nodeId, request: resources({ gpuMilli: gpus * 1000 }), migratable: true, snapshotMiB: 2048, checkpointAgeMs: 60_000, ...extra };
}

test('transfer time: 1250 MiB over 10 Gbit/s is ~1.05 s', () => {
  // 1250 MiB = 10485.76 Mbit -> 1.048576 s
  assert.ok(Math.abs(transferMs(1250, 10_000) - 1048.576) < 1e-9);
});

test('a node predicted to overload moves its cheapest-to-move job to the coldest node, with a reason', () => {
  const nodes = [node('hot', 0.8, [0.85, 0.9, 0.95, 1, 1, 1, 1, 1, 1, 1]), node('cold-a', 0.2, 0.25), node('cold-b', 0.1, 0.1), node('mid', 0.7, 0.7)];
  const jobs = [job('j1', 'hot', 2), job('j2', 'hot', 2, { snapshotMiB: 500_000 }), job('j3', 'hot', 4, { migratable: false })];
  const r = planBalance({ nowMs: 0, nodes, jobs });
  assert.deepEqual(r.overloaded.map((v) => v.nodeId), ['hot']);
  assert.deepEqual(r.underloaded.map((v) => v.nodeId).sort(), ['cold-a', 'cold-b']);
  assert.ok(r.migrations.length >= 1);
  const m = r.migrations[0]!;
  assert.equal(m.jobId, 'j1');
  assert.deepEqual(m.fromNodeIds, ['hot']);
  assert.deepEqual(m.toNodeIds, ['cold-b']);
  assert.equal(m.reason.code, 'predicted-overload');
  assert.equal(m.reason.plugin, 'balancer');
  assert.ok(m.benefitMs >= DEFAULT_BALANCER_CONFIG.minBenefitRatio * m.costMs);
});

test("receiver 'fullest' picks the fullest node that stays under the low watermark (best fit), not the emptiest", () => {
  const nodes = [node('hot', 0.8, [0.85, 0.9, 0.95, 1, 1, 1, 1, 1, 1, 1]), node('cold-a', 0.25, 0.25), node('cold-b', 0.1, 0.1), node('empty', 0, 0), node('mid', 0.7, 0.7)];
  const jobs = [job('j1', 'hot', 2)];
  const r = planBalance({ nowMs: 0, nodes, jobs, config: { receiver: 'fullest' } });
  assert.deepEqual(r.migrations.map((m) => m.toNodeIds[0]), ['cold-a']);
  const e = planBalance({ nowMs: 0, nodes, jobs });
  assert.deepEqual(e.migrations.map((m) => m.toNodeIds[0]), ['empty']);
});

test('a job whose move costs more than the overload it avoids stays, and the node says why', () => {
  const nodes = [node('hot', 0.9, [0.91, 0.91, 0.91, 0.91, 0.91, 0.91, 0.91, 0.91, 0.91, 0.91]), node('cold', 0.1, 0.1)];
  // Lost progress of 2 h on a quarter of the node dwarfs 1% overload for 10 minutes.
  const jobs = [job('j1', 'hot', 2, { checkpointAgeMs: 2 * 3_600_000 })];
  const r = planBalance({ nowMs: 0, nodes, jobs });
  assert.equal(r.migrations.length, 0);
  assert.equal(r.unresolved[0]?.reason.code, 'not-worth-it');
});

test('a job that ends before the overload arrives is not moved', () => {
  const nodes = [node('hot', 0.5, [0.5, 0.5, 0.5, 1, 1, 1, 1, 1, 1, 1]), node('cold', 0.1, 0.1)];
  const r = planBalance({ nowMs: 0, nodes, jobs: [job('j1', 'hot', 4, { remainingMs: 2 * 60_000 })] });
  assert.equal(r.migrations.length, 0);
});

test('hysteresis: a node that was hot stays hot until its prediction drops below high - margin', () => {
  const nodes = [node('a', 0.88, 0.88), node('b', 0.88, 0.88), node('cold', 0.1, 0.1)];
  const state: BalancerState = { hotNodes: ['a'], lastMigration: {}, recentMs: [] };
  const r = planBalance({ nowMs: 0, nodes, jobs: [], state });
  assert.deepEqual(r.overloaded.map((v) => v.nodeId), ['a']);
  assert.deepEqual(r.state.hotNodes, ['a']);
});

test('no ping-pong: a migrated job is not moved again within the cooldown, nor back to where it came from', () => {
  const c = { jobCooldownMs: 30 * 60_000 };
  let nodes = [node('x', 0.9, 1), node('y', 0.1, 0.1)];
  const r1 = planBalance({ nowMs: 0, nodes, jobs: [job('j', 'x', 2)], config: c });
  assert.equal(r1.migrations.length, 1);
  // Now y is predicted hot and x cold: j must stay within the cooldown.
  nodes = [node('x', 0.1, 0.1), node('y', 0.9, 1)];
  const r2 = planBalance({ nowMs: 10 * 60_000, nodes, jobs: [job('j', 'y', 2)], config: c, state: r1.state });
  assert.equal(r2.migrations.length, 0);
  assert.equal(r2.unresolved[0]?.reason.code, 'no-migratable-job');
  // After the cooldown it still does not go straight back to x; a third node can take it.
  const r3 = planBalance({ nowMs: 40 * 60_000, nodes: [...nodes, node('z', 0.1, 0.1)], jobs: [job('j', 'y', 2)], config: c, state: r2.state });
  assert.deepEqual(r3.migrations.map((m) => m.toNodeIds[0]), ['z']);
});

test('rate limits: per cycle and per hour', () => {
  const nodes = [node('hot', 1, 1.2), node('c1', 0, 0), node('c2', 0, 0), node('c3', 0, 0)];
  const jobs = Array.from({ length: 8 }, (_, i) => job(`j${i}`, 'hot', 1));
  const r = planBalance({ nowMs: 0, nodes, jobs, config: { maxMigrationsPerCycle: 2 } });
  assert.equal(r.migrations.length, 2);
  assert.ok(r.unresolved.some((u) => u.reason.code === 'rate-limited'));
  const r2 = planBalance({ nowMs: 0, nodes, jobs, config: { maxMigrationsPerHour: 3 }, state: { hotNodes: [], lastMigration: {}, recentMs: [-1000, -2000] } });
  assert.equal(r2.migrations.length, 1);
});

test('rising tenant demand keeps capacity: the emptiest receiver is held back', () => {
  const cfg = { ...DEFAULT_BALANCER_CONFIG };
  const rising = { tenantId: 'vision', currentMilli: 4000, forecast: { mean: [4000, 6000, 9000], se: [0, 0, 0] } };
  const flat = { tenantId: 'nlp', currentMilli: 4000, forecast: { mean: [4100, 4000, 4050], se: [0, 0, 0] } };
  const res = demandReservations([rising, flat], cfg);
  assert.deepEqual(res.map((r) => [r.tenantId, r.milli]), [['vision', 5000]]);
  assert.equal(res[0]!.reason.code, 'demand-rising');
  const nodes = [node('hot', 1, 1.1), node('empty', 0, 0), node('quiet', 0.2, 0.2)];
  const r = planBalance({ nowMs: 0, nodes, jobs: [job('j', 'hot', 1)], tenants: [rising, flat] });
  assert.deepEqual(r.migrations.map((m) => m.toNodeIds[0]), ['quiet']);
});

// Property tests over random clusters.
const clusterArb = fc.record({
  nodes: fc.array(fc.record({ load: fc.double({ min: 0, max: 1.3, noNaN: true }), trend: fc.double({ min: -0.05, max: 0.05, noNaN: true }), se: fc.double({ min: 0, max: 0.1, noNaN: true }), ready: fc.boolean() }), { minLength: 2, maxLength: 12 }),
  jobs: fc.array(fc.record({ node: fc.nat(), gpus: fc.integer({ min: 1, max: 4 }), snap: fc.integer({ min: 1, max: 100_000 }), age: fc.integer({ min: 0, max: 3_600_000 }), migratable: fc.boolean() }), { maxLength: 30 }),
});

type Cluster = { nodes: { load: number; trend: number; se: number; ready: boolean }[]; jobs: { node: number; gpus: number; snap: number; age: number; migratable: boolean }[] };

function build(c: Cluster): { nodes: BalancerNode[]; jobs: BalancerJob[] } {
  const nodes: BalancerNode[] = c.nodes.map((n, i) => {
    const mean = Array.from({ length: 10 }, (_, h) => n.load + n.trend * (h + 1));
    return { id: `n${String(i).padStart(2, '0')}`, capacity: resources({ gpuMilli: GPU }), ready: n.ready || i < 2, load: n.load, forecast: { mean, se: mean.map(() => n.se) } };
  });
  // Jobs only where they fit by request (the scheduler never over-commits).
  const used = new Map<string, number>();
  const jobs: BalancerJob[] = [];
  c.jobs.forEach((j, i) => {
    const nid = nodes[j.node % nodes.length]!.id;
    const u = (used.get(nid) ?? 0) + j.gpus * 1000;
    if (u > GPU) return;
    used.set(nid, u);
    jobs.push({ id: `j${i}`, tenantId: 't', nodeId: nid, request: resources({ gpuMilli: j.gpus * 1000 }), migratable: j.migratable, snapshotMiB: j.snap, checkpointAgeMs: j.age });
  });
  return { nodes, jobs };
}

test('property: migrations never over-commit a receiver, never target a hot or not-ready node, respect the cycle limit, carry reasons', () => {
  fc.assert(
    fc.property(clusterArb, (c) => {
      const { nodes, jobs } = build(c);
      const r = planBalance({ nowMs: 0, nodes, jobs });
      const hot = new Set(r.overloaded.map((v) => v.nodeId));
      const used = new Map<string, number>();
      for (const j of jobs) used.set(j.nodeId, (used.get(j.nodeId) ?? 0) + j.request.gpuMilli);
      const moved = new Set<string>();
      assert.ok(r.migrations.length <= DEFAULT_BALANCER_CONFIG.maxMigrationsPerCycle);
      for (const m of r.migrations) {
        const j = jobs.find((x) => x.id === m.jobId)!;
        assert.ok(j.migratable);
        assert.ok(!moved.has(j.id), 'a job moves at most once per cycle');
        moved.add(j.id);
        const to = m.toNodeIds[0]!;
        assert.ok(!hot.has(to), 'never into a hot node');
        assert.ok(nodes.find((n) => n.id === to)!.ready);
        assert.notEqual(to, m.fromNodeIds[0]);
        used.set(to, (used.get(to) ?? 0) + j.request.gpuMilli);
        used.set(j.nodeId, used.get(j.nodeId)! - j.request.gpuMilli);
        assert.equal(m.reason.code, 'predicted-overload');
        assert.ok(m.reason.message.length > 0);
        assert.ok(m.benefitMs >= DEFAULT_BALANCER_CONFIG.minBenefitRatio * m.costMs);
      }
      for (const [, u] of used) assert.ok(u <= GPU, 'no over-commit by request');
    }),
    { numRuns: 200, seed: 42 },
  );
});

test('property: the plan does not depend on input order (deterministic tie-breaks)', () => {
  fc.assert(
    fc.property(clusterArb, (c) => {
      const { nodes, jobs } = build(c);
      const a = planBalance({ nowMs: 0, nodes, jobs });
      const b = planBalance({ nowMs: 0, nodes: [...nodes].reverse(), jobs: [...jobs].reverse() });
      assert.deepEqual(a.migrations.map((m) => [m.jobId, m.toNodeIds[0]]).sort(), b.migrations.map((m) => [m.jobId, m.toNodeIds[0]]).sort());
      assert.deepEqual(a.state.hotNodes, b.state.hotNodes);
    }),
    { numRuns: 150, seed: 7 },
  );
});

test('property: over many cycles no job migrates twice within the cooldown and the hourly limit holds', () => {
  fc.assert(
    fc.property(fc.array(clusterArb, { minLength: 3, maxLength: 8 }), (cycles) => {
      let state: BalancerState | undefined;
      const last = new Map<string, number>();
      const times: number[] = [];
      const cfg = { jobCooldownMs: 20 * 60_000, maxMigrationsPerHour: 10 };
      cycles.forEach((c, k) => {
        const now = k * 5 * 60_000;
        const { nodes, jobs } = build(c);
        const r = planBalance({ nowMs: now, nodes, jobs, config: cfg, ...(state ? { state } : {}) });
        for (const m of r.migrations) {
          const prev = last.get(m.jobId);
          assert.ok(prev === undefined || now - prev >= cfg.jobCooldownMs, `job ${m.jobId} moved again after ${now - prev!} ms`);
          last.set(m.jobId, now);
          times.push(now);
        }
        assert.ok(times.filter((t) => now - t < 3_600_000).length <= cfg.maxMigrationsPerHour);
        state = r.state;
      });
    }),
    { numRuns: 100, seed: 3 },
  );
});
