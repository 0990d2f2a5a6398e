import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulerHarness } from '../../../test/harness/scheduler-harness.ts';
import { makeJob, makeNode, makeTenant } from '../../../test/harness/builders.ts';
import { explainJob, fairnessNow } from './queries.ts';
import { createControlState } from './state.ts';
import { step } from './step.ts';
import { createRng } from '../util/rng.ts';
import { ConflictError, InvalidInputError, NotFoundError } from '../util/errors.ts';
import { exportState } from './export.ts';

const node8 = (id: string) => {
  const n = makeNode(id).gpus(8).build();
  return { id: n.id, capacity: n.capacity, labels: n.labels, status: n.status };
};

test('jobs run to completion on a virtual clock; a full node makes later jobs wait with a reason', () => {
  const h = new SchedulerHarness({ cycleIntervalMs: 1000 });
  h.tenant(makeTenant('a').build()).tenant(makeTenant('b').build()).node(node8('n1'));
  // Six 4-GPU jobs of 10 s on one 8-GPU node: two at a time → starts at 1 s, 12 s, 23 s (cycle 1 s after each exit).
  for (let i = 0; i < 6; i++) h.submit(makeJob(`j${i}`).gpus(4).tenant(i % 2 ? 'a' : 'b').duration(10_000).build(), i * 100);
  h.run(15_000);
  assert.deepEqual(h.launched().map((l) => l.atMs), [1000, 1000, 12_000, 12_000]);
  const why = explainJob(h.state, 'j5', h.now);
  assert.equal(why.state, 'pending');
  assert.equal(why.reasons[0]?.plugin, 'fit');
  assert.equal(why.reasons[0]?.dimension, 'gpuMilli');
  // Two running jobs end at 22 s and free 8 GPUs: enough for both remaining jobs.
  assert.equal(why.estimatedStartMs, 22_000);
  h.run();
  assert.equal(h.launched().length, 6);
  assert.ok([...h.state.jobs.values()].every((j) => j.state === 'succeeded'));
  assert.ok(h.state.nodes.get('n1')!.alloc.every((x) => x === 0), 'allocations all returned');
});

test('bad events get typed errors and leave the state unchanged', () => {
  const s = createControlState();
  const rng = createRng(1);
  step(s, { type: 'TenantUpserted', atMs: 0, tenant: makeTenant('a').build() }, 0, rng);
  const before = JSON.stringify(exportState(s));
  assert.throws(() => step(s, { type: 'JobSubmitted', atMs: 0, job: makeJob('x').tenant('nobody').build() }, 0, rng), NotFoundError);
  assert.throws(() => step(s, { type: 'JobSubmitted', atMs: 0, job: makeJob('y').request({ cpuMilli: -1 }).build() }, 0, rng), InvalidInputError);
  assert.throws(() => step(s, { type: 'JobSubmitted', atMs: 0, job: makeJob('z').request({ memMiB: Number.NaN }).build() }, 0, rng), /memMiB/);
  assert.equal(JSON.stringify(exportState(s)), before);
  step(s, { type: 'JobSubmitted', atMs: 0, job: makeJob('dup').build() }, 0, rng);
  assert.throws(() => step(s, { type: 'JobSubmitted', atMs: 0, job: makeJob('dup').build() }, 0, rng), ConflictError);
});

test('the incrementally kept node table matches one rebuilt from scratch', async () => {
  const { buildSnapshot } = await import('./step.ts');
  const { NodeTable } = await import('../scheduler/cycle-state.ts');
  const h = new SchedulerHarness({ cycleIntervalMs: 500 });
  h.tenant(makeTenant('a').build()).tenant(makeTenant('b').build());
  for (const id of ['n1', 'n2', 'n3']) h.node(node8(id));
  for (let i = 0; i < 40; i++) {
    const b = makeJob(`j${i}`).tenant(i % 2 ? 'a' : 'b').gpus(1 + (i % 4)).memMiB(1024 * (1 + (i % 7))).duration(5_000 + 1000 * (i % 9));
    h.submit((i % 5 === 0 ? b.gang(2) : b).build(), i * 700);
    // Telemetry that turns some jobs memory-bound (their interference class moves).
    h.at(i * 700 + 2_000, { type: 'TelemetrySampled', atMs: i * 700 + 2_000, sample: { nodeId: 'n1', jobId: `j${Math.max(0, i - 2)}`, atMs: i * 700 + 2_000, used: { cpuMilli: 100, gpuMilli: 0, memMiB: 200_000, netMbps: 0 } } });
  }
  h.at(9_000, { type: 'NodeLost', atMs: 9_000, nodeId: 'n3' });
  for (const until of [3_000, 8_000, 12_000, 20_000, 40_000]) {
    h.run(until);
    const snap = buildSnapshot(h.state);
    const fresh = new NodeTable(snap.nodes, snap.running);
    assert.deepEqual(snap.table!.free.map((f) => [...f]), fresh.free.map((f) => [...f]), `free at ${until}`);
    assert.deepEqual(snap.table!.classCount.map((f) => [...f]), fresh.classCount.map((f) => [...f]), `classes at ${until}`);
  }
  h.run();
  assert.ok([...h.state.jobs.values()].every((j) => j.state === 'succeeded'), 'every job ends (lost node requeued its jobs)');
});

test('explainJob reports position, priority terms and never-fits', () => {
  const h = new SchedulerHarness({ cycleIntervalMs: 0 });
  h.tenant(makeTenant('a').tier('gold').build()).node(node8('n1'));
  h.submit(makeJob('run').gpus(8).duration(60_000).build(), 0);
  h.submit(makeJob('first').gpus(2).priority('high').build(), 10);
  h.submit(makeJob('second').gpus(2).priority('low').build(), 20);
  h.submit(makeJob('huge').gpus(64).build(), 30);
  h.run(1000);
  const second = explainJob(h.state, 'second', 1000);
  assert.equal(second.position, 2);
  assert.equal(second.priority?.tier, 200);
  assert.equal(second.priority?.class, 0);
  assert.equal(second.estimatedStartMs, 60_000, 'when the running 8-GPU job ends');
  const huge = explainJob(h.state, 'huge', 1000);
  assert.equal(huge.neverFits, true);
  assert.equal(huge.reasons[0]?.code, 'larger-than-any-node');
  assert.equal(huge.estimatedStartMs, undefined);
  assert.equal(explainJob(h.state, 'run', 1000).state, 'running');
  assert.throws(() => explainJob(h.state, 'nope', 0), NotFoundError);
});

test('grid holdings count in a tenant\'s dominant share: the fairness reading, and the queue order between equal tenants', () => {
  // One 8-GPU node, 256 GiB; tenants a and b alike; a asks first. Each job needs the whole node.
  const run = (aHoldsMiB: number) => {
    const h = new SchedulerHarness({ cycleIntervalMs: 1000 });
    h.tenant(makeTenant('a').build()).tenant(makeTenant('b').build()).node(node8('n1'));
    if (aHoldsMiB > 0) h.at(0, { type: 'TenantHoldingsReported', atMs: 0, holdings: [{ tenantId: 'a', held: { cpuMilli: 0, gpuMilli: 0, memMiB: aHoldsMiB, netMbps: 0 } }] });
    h.submit(makeJob('ja').tenant('a').gpus(8).duration(10_000).build(), 100);
    h.submit(makeJob('jb').tenant('b').gpus(8).duration(10_000).build(), 200);
    h.run(5_000);
    return h;
  };
  assert.deepEqual(run(0).launched().map((l) => l.jobId), ['ja'], 'without holdings the earlier job goes first');
  const held = run(128 * 1024);
  assert.deepEqual(held.launched().map((l) => l.jobId), ['jb'], 'a holds half the cluster\'s memory in the grid: b goes first');
  const f = fairnessNow(held.state, held.now).current;
  const a = f.tenants.find((t) => t.id === 'a')!;
  assert.ok(Math.abs(a.share - 0.5) < 1e-9, `a's dominant share is its grid memory: ${a.share}`);
});

test('holdings are a full report, ignore unknown tenants, are validated, and never count against a tenant\'s hard cap', () => {
  const s = createControlState();
  const rng = createRng(1);
  step(s, { type: 'TenantUpserted', atMs: 0, tenant: makeTenant('a').cap({ memMiB: 1024, gpuMilli: 8000, cpuMilli: 32_000 }).build() }, 0, rng);
  step(s, { type: 'TenantUpserted', atMs: 0, tenant: makeTenant('b').build() }, 0, rng);
  step(s, { type: 'NodeRegistered', atMs: 0, node: node8('n1') }, 0, rng);
  const mem = (memMiB: number) => ({ cpuMilli: 0, gpuMilli: 0, memMiB, netMbps: 0 });
  step(s, { type: 'TenantHoldingsReported', atMs: 1, holdings: [{ tenantId: 'a', held: mem(4096) }, { tenantId: 'b', held: mem(10) }, { tenantId: 'ghost', held: mem(99) }] }, 1, rng);
  assert.deepEqual(s.tenants.get('a')!.held, [0, 0, 4096, 0]);
  assert.equal(s.tenants.has('ghost'), false);
  // The next report no longer lists b: b holds nothing now.
  step(s, { type: 'TenantHoldingsReported', atMs: 2, holdings: [{ tenantId: 'a', held: mem(4096) }] }, 2, rng);
  assert.deepEqual(s.tenants.get('b')!.held, [0, 0, 0, 0]);
  const before = JSON.stringify(exportState(s));
  assert.throws(() => step(s, { type: 'TenantHoldingsReported', atMs: 3, holdings: [{ tenantId: 'a', held: mem(-1) }] }, 3, rng), InvalidInputError);
  assert.equal(JSON.stringify(exportState(s)), before, 'a rejected report changes nothing');
  // a's cap is 1 GiB of memory and it holds 4 GiB in the grid: a 512 MiB job still starts (the cap limits its jobs).
  const out = step(s, { type: 'JobSubmitted', atMs: 4, job: makeJob('small').tenant('a').memMiB(512).gpus(1).build() }, 4, rng);
  let commands = [...out.commands];
  for (let t = 5; t < 5_000 && !commands.some((c) => c.type === 'LaunchJob'); t += 100) {
    commands = [...step(s, { type: 'TimerFired', atMs: t, timerId: 'schedule', purpose: 'schedule' }, t, rng).commands];
  }
  assert.ok(commands.some((c) => c.type === 'LaunchJob' && c.jobId === 'small'), 'the capped tenant\'s job starts despite its holdings');
});

test('holdings alone do not make a tenant active in the fairness reading; with jobs, they count in its share', () => {
  const s = createControlState();
  const rng = createRng(1);
  for (const id of ['a', 'b']) step(s, { type: 'TenantUpserted', atMs: 0, tenant: makeTenant(id).build() }, 0, rng);
  step(s, { type: 'NodeRegistered', atMs: 0, node: node8('n1') }, 0, rng);
  step(s, { type: 'TenantHoldingsReported', atMs: 1, holdings: [{ tenantId: 'a', held: { cpuMilli: 0, gpuMilli: 0, memMiB: 64 * 1024, netMbps: 0 } }] }, 1, rng);
  step(s, { type: 'JobSubmitted', atMs: 2, job: makeJob('jb').tenant('b').gpus(1).build() }, 2, rng);
  assert.deepEqual(fairnessNow(s, 2).current.tenants.map((t) => t.id), ['b'], 'a only keeps data: not competing');
  step(s, { type: 'JobSubmitted', atMs: 3, job: makeJob('ja').tenant('a').gpus(1).build() }, 3, rng);
  const a = fairnessNow(s, 3).current.tenants.find((t) => t.id === 'a');
  assert.ok(a && Math.abs(a.share - 0.25) < 1e-9, `a's share is its 64 GiB of 256: ${a?.share}`);
});
