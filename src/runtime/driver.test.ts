import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Driver } from './driver.ts';
import { MemoryDecisionLog } from './memory-decision-log.ts';
import type { ClusterPort, TimerPort } from './ports.ts';
import type { Reducer } from './reducer.ts';
import type { Command, Event } from '../core/domain/index.ts';
import { resources } from '../core/domain/index.ts';
import { createRng } from '../core/util/rng.ts';

const reason = { plugin: 'test', code: 'x', message: 'x' };

function recordingPorts(calls: string[]): { cluster: ClusterPort; timers: TimerPort } {
  return {
    cluster: {
      launch: (j, n) => calls.push(`launch ${j} ${n.join(',')}`),
      stop: (j) => calls.push(`stop ${j}`),
      checkpoint: (j) => calls.push(`checkpoint ${j}`),
      migrate: (j, f, t) => calls.push(`migrate ${j} ${f.join(',')}->${t.join(',')}`),
      preempt: (j) => calls.push(`preempt ${j}`),
    },
    timers: { set: (id, at, p) => calls.push(`timer ${id} ${at} ${p}`) },
  };
}

test('driver feeds events to the reducer with the clock time and executes every command kind in order', () => {
  // A reducer that counts events and answers a JobSubmitted with one of each command.
  const seen: Array<{ type: string; now: number }> = [];
  const reducer: Reducer<number> = (state, event, now) => {
    seen.push({ type: event.type, now });
    const commands: Command[] = event.type === 'JobSubmitted'
      ? [
          { type: 'LaunchJob', jobId: 'j1', nodeIds: ['n1', 'n2'] },
          { type: 'CheckpointJob', jobId: 'j1', reason },
          { type: 'MigrateJob', jobId: 'j1', fromNodeIds: ['n1'], toNodeIds: ['n3'], reason },
          { type: 'PreemptJob', jobId: 'j1', reason },
          { type: 'StopJob', jobId: 'j1', reason },
          { type: 'SetTimer', timerId: 'cycle', atMs: 5000, purpose: 'schedule' },
        ]
      : [];
    return { state: state + 1, commands };
  };
  const calls: string[] = [];
  let now = 1234;
  const log = new MemoryDecisionLog();
  const driver = new Driver({ reducer, initialState: 0, rng: createRng(1), ports: { clock: { nowMs: () => now }, ...recordingPorts(calls), log } });
  const submitted: Event = {
    type: 'JobSubmitted', atMs: 1000,
    job: { id: 'j1', tenantId: 't', request: resources({ gpuMilli: 1000 }), gangSize: 2, priorityClass: 'normal', submittedAtMs: 1000, preemptible: true, migratable: true, kind: 'train' },
  };
  driver.handle(submitted);
  now = 2000;
  driver.handle({ type: 'TimerFired', atMs: 2000, timerId: 'cycle', purpose: 'schedule' });
  assert.equal(driver.state, 2);
  assert.equal(driver.eventsHandled, 2);
  assert.deepEqual(seen, [{ type: 'JobSubmitted', now: 1234 }, { type: 'TimerFired', now: 2000 }]);
  assert.deepEqual(calls, ['launch j1 n1,n2', 'checkpoint j1', 'migrate j1 n1->n3', 'preempt j1', 'stop j1', 'timer cycle 5000 schedule']);
  const lines = log.text().trimEnd().split('\n');
  assert.equal(lines.length, 2);
  assert.equal((JSON.parse(lines[0]!) as { commands: unknown[] }).commands.length, 6);
});

test('an adapter calling back into handle is rejected instead of corrupting the order of events', () => {
  const holder: { driver?: Driver<number> } = {};
  const reducer: Reducer<number> = (s, e) => ({ state: s + 1, commands: e.type === 'NodeHeartbeat' ? [{ type: 'SetTimer', timerId: 't', atMs: 1, purpose: 'schedule' }] : [] });
  const timers: TimerPort = { set: () => { holder.driver?.handle({ type: 'NodeLost', atMs: 0, nodeId: 'n' }); } };
  const driver = new Driver({ reducer, initialState: 0, rng: createRng(1), ports: { clock: { nowMs: () => 0 }, cluster: recordingPorts([]).cluster, timers } });
  holder.driver = driver;
  assert.throws(() => driver.handle({ type: 'NodeHeartbeat', atMs: 0, nodeId: 'n' }), /re-entrantly/);
  // The driver is usable again afterwards.
  assert.doesNotThrow(() => driver.handle({ type: 'NodeLost', atMs: 0, nodeId: 'n' }));
});
