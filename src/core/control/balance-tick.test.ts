import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeJob, makeNode, makeTenant } from '../../../test/harness/builders.ts';
import type { Command } from '../domain/commands.ts';
import type { Event } from '../domain/events.ts';
import type { JobSpec } from '../domain/job.ts';
import { createRng } from '../util/rng.ts';
import { createControlState } from './state.ts';
import { step } from './step.ts';
import type { ControlState } from './state.ts';
import type { BalancerOptions } from './balance-tick.ts';

const node8 = (id: string) => {
  const n = makeNode(id).gpus(8).cpu(32).memMiB(256 * 1024).build();
  return { id: n.id, capacity: n.capacity, labels: n.labels, status: n.status };
};

const BAL: BalancerOptions = { enabled: true, intervalMs: 60_000 };

class Rig {
  readonly state: ControlState;
  readonly rng = createRng(7);
  readonly log: Command[] = [];
  constructor(balancer: BalancerOptions | null = BAL) {
    this.state = createControlState({ profile: 'fifo-greedy', cycleIntervalMs: 0, ...(balancer ? { balancer } : {}) });
  }
  ev(e: Event): Command[] {
    const { commands } = step(this.state, e, e.atMs, this.rng);
    this.log.push(...commands);
    return [...commands];
  }
  schedule(at: number): Command[] {
    return this.ev({ type: 'TimerFired', atMs: at, timerId: `s${at}`, purpose: 'schedule' });
  }
  balance(at: number): Command[] {
    return this.ev({ type: 'TimerFired', atMs: at, timerId: `b${at}`, purpose: 'balance' });
  }
  use(at: number, jobId: string, gpuMilli: number): void {
    const job = this.state.jobs.get(jobId)!;
    this.ev({ type: 'TelemetrySampled', atMs: at, sample: { nodeId: job.nodeIds[0]!, jobId, atMs: at, used: { cpuMilli: 0, gpuMilli, memMiB: 0, netMbps: 0 } } });
  }
  nodeUse(at: number, nodeId: string, gpuMilli: number): void {
    this.ev({ type: 'TelemetrySampled', atMs: at, sample: { nodeId, atMs: at, used: { cpuMilli: 0, gpuMilli, memMiB: 0, netMbps: 0 } } });
  }
}

const migrations = (cmds: readonly Command[]) => cmds.filter((c): c is Extract<Command, { type: 'MigrateJob' }> => c.type === 'MigrateJob');

/** Two 4-GPU jobs fill n1 (placed before n2 exists), then n2 registers empty; both jobs run near full use. */
function hotNode(specs: readonly JobSpec[], balancer: BalancerOptions | null = BAL): Rig {
  const r = new Rig(balancer);
  r.ev({ type: 'TenantUpserted', atMs: 0, tenant: makeTenant('a').build() });
  r.ev({ type: 'NodeRegistered', atMs: 0, node: node8('n1') });
  for (const s of specs) r.ev({ type: 'JobSubmitted', atMs: 0, job: s });
  r.schedule(0);
  for (const s of specs) assert.deepEqual(r.state.jobs.get(s.id)!.nodeIds, ['n1']);
  r.ev({ type: 'NodeRegistered', atMs: 1, node: node8('n2') });
  for (const s of specs) r.use(30_000, s.id, 3_900);
  return r;
}

test('a node predicted to overload sends a migratable job to an underloaded node, with a reason', () => {
  const r = hotNode([makeJob('mov').gpus(4).build(), { ...makeJob('pin').gpus(4).build(), migratable: false }]);
  const cmds = r.balance(60_000);
  const m = migrations(cmds);
  assert.equal(m.length, 1);
  assert.equal(m[0]!.jobId, 'mov', 'only the migratable job moves');
  assert.deepEqual(m[0]!.fromNodeIds, ['n1']);
  assert.deepEqual(m[0]!.toNodeIds, ['n2']);
  assert.equal(m[0]!.reason.plugin, 'balancer');
  assert.equal(m[0]!.reason.code, 'predicted-overload');
  assert.equal(r.state.jobs.get('mov')!.state, 'migrating');
  assert.ok(cmds.some((c) => c.type === 'SetTimer' && c.purpose === 'balance'), 'the next balance tick is armed');
});

test('non-migratable jobs are never moved, however hot their node', () => {
  const r = hotNode([{ ...makeJob('p1').gpus(4).build(), migratable: false }, { ...makeJob('p2').gpus(4).build(), migratable: false }]);
  for (let t = 60_000; t <= 600_000; t += 60_000) assert.deepEqual(migrations(r.balance(t)), []);
  assert.equal(r.state.balance!.migrations, 0);
});

test('the target capacity is held during the migration, then handed over exactly once', () => {
  const r = hotNode([makeJob('mov').gpus(4).build(), { ...makeJob('pin').gpus(4).build(), migratable: false }]);
  assert.equal(migrations(r.balance(60_000)).length, 1);
  // n2 has 8 GPUs physically free, but 4 are held for 'mov': a 6-GPU job must not be placed there meanwhile.
  assert.equal(r.state.nodes.get('n2')!.alloc[1], 4000);
  r.ev({ type: 'JobSubmitted', atMs: 61_000, job: makeJob('big').gpus(6).build() });
  const during = r.schedule(61_000);
  assert.equal(during.filter((c) => c.type === 'LaunchJob').length, 0, 'nothing placed on the held target');
  assert.equal(r.state.jobs.get('big')!.state, 'pending');
  r.ev({ type: 'MigrationCompleted', atMs: 90_000, jobId: 'mov', toNodeIds: ['n2'] });
  const mov = r.state.jobs.get('mov')!;
  assert.equal(mov.state, 'running');
  assert.deepEqual(mov.nodeIds, ['n2']);
  assert.equal(r.state.nodes.get('n1')!.alloc[1], 4000, 'old node freed');
  assert.equal(r.state.nodes.get('n2')!.alloc[1], 4000, 'new node holds the job once, not hold + job');
  assert.equal(r.state.balance!.holds.size, 0);
  // The 6-GPU job still cannot fit anywhere (4 free on each): no over-commit after the handover either.
  r.schedule(90_000);
  for (const n of r.state.nodes.values()) assert.ok((n.alloc[1] as number) <= n.node.capacity.gpuMilli);
});

test('a job preempted or stopped mid-migration releases the held target', () => {
  const r = hotNode([makeJob('mov').gpus(4).build(), { ...makeJob('pin').gpus(4).build(), migratable: false }]);
  assert.equal(migrations(r.balance(60_000)).length, 1);
  r.ev({ type: 'JobCancelled', atMs: 70_000, jobId: 'mov' });
  assert.equal(r.state.nodes.get('n2')!.alloc[1], 0);
  assert.equal(r.state.nodes.get('n1')!.alloc[1], 4000);
  assert.equal(r.state.balance!.holds.size, 0);
});

test('losing the target mid-migration sends the job back to the queue instead of onto a dead node', () => {
  const r = hotNode([makeJob('mov').gpus(4).build(), { ...makeJob('pin').gpus(4).build(), migratable: false }]);
  assert.equal(migrations(r.balance(60_000)).length, 1);
  const cmds = r.ev({ type: 'NodeLost', atMs: 70_000, nodeId: 'n2' });
  assert.ok(cmds.some((c) => c.type === 'PreemptJob' && c.jobId === 'mov'));
  assert.equal(r.state.jobs.get('mov')!.state, 'pending');
  assert.equal(r.state.nodes.get('n2')!.alloc[1], 0);
});

test('no ping-pong: a job that just moved is not sent back when its old node becomes the cold one', () => {
  const r = hotNode([makeJob('mov').gpus(4).build(), { ...makeJob('pin').gpus(4).build(), migratable: false }]);
  assert.equal(migrations(r.balance(60_000)).length, 1);
  r.ev({ type: 'MigrationCompleted', atMs: 90_000, jobId: 'mov', toNodeIds: ['n2'] });
  // Now n2 reads hot and n1 cold (whole-node samples): moving 'mov' back is exactly the ping-pong to avoid.
  for (let t = 120_000; t <= 20 * 60_000; t += 60_000) {
    r.nodeUse(t - 1, 'n2', 7_900);
    r.nodeUse(t - 1, 'n1', 500);
    assert.deepEqual(migrations(r.balance(t)), [], `no move back at ${t}`);
  }
  assert.deepEqual(r.state.jobs.get('mov')!.nodeIds, ['n2']);
});

test('with the balancer off a balance timer does nothing and none is ever armed', () => {
  const r = hotNode([makeJob('mov').gpus(4).build(), makeJob('m2').gpus(4).build()], null);
  assert.equal(r.state.balance, undefined);
  assert.deepEqual(r.balance(60_000), []);
  assert.ok(!r.log.some((c) => c.type === 'SetTimer' && c.purpose === 'balance'));
});

test('ARIMA forecaster option runs deterministically (two identical runs plan identical moves)', () => {
  const run = (): string => {
    const r = hotNode([makeJob('mov').gpus(4).build(), { ...makeJob('pin').gpus(4).build(), migratable: false }], { ...BAL, forecaster: 'arima' });
    for (let t = 60_000; t <= 40 * 60_000; t += 60_000) {
      r.use(t - 1, 'pin', 3_000 + ((t / 60_000) % 5) * 150);
      r.balance(t);
    }
    return JSON.stringify(migrations(r.log));
  };
  const a = run();
  assert.equal(a, run());
  assert.ok(JSON.parse(a).length >= 1);
});

test('steer (opt-in): a node predicted hot gets zero GPU forecast headroom for the scheduler, cleared once it cools', () => {
  const specs = [{ ...makeJob('p1').gpus(4).build(), migratable: false }, { ...makeJob('p2').gpus(4).build(), migratable: false }];
  // A short window, so the naive forecast's error band forgets the jump below within a few ticks.
  const r = hotNode(specs, { ...BAL, steer: true, window: 4 });
  r.balance(60_000);
  assert.equal(r.state.nodes.get('n1')!.forecastHeadroom?.gpuMilli, 0);
  assert.equal(r.state.nodes.get('n2')!.forecastHeadroom, undefined);
  for (const s of specs) r.use(61_000, s.id, 1_000);
  for (let t = 120_000; t <= 600_000; t += 60_000) r.balance(t);
  assert.equal(r.state.nodes.get('n1')!.forecastHeadroom, undefined);
  const off = hotNode(specs);
  off.balance(60_000);
  assert.equal(off.state.nodes.get('n1')!.forecastHeadroom, undefined, 'default: no steering');
});
