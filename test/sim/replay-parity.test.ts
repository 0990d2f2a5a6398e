// Two drivers, one core: the events a simulated run fed to the core, replayed through a fresh Driver with plain
// recording adapters (no simulator at all) and a clock that reads the logged times, yield exactly the commands the
// simulated run executed. This is the property the live coordinator relies on to rebuild state from its event log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command, Event } from '../../src/core/domain/index.ts';
import { createRng } from '../../src/core/util/rng.ts';
import { Driver } from '../../src/runtime/driver.ts';
import { MemoryDecisionLog } from '../../src/runtime/memory-decision-log.ts';
import type { DecisionRecord } from '../../src/runtime/ports.ts';
import { clusterFromPreset } from '../../src/sim/cluster-spec.ts';
import { resolvePolicy } from '../../src/sim/policies.ts';
import { fromArray, runSimulation } from '../../src/sim/simulator.ts';
import { generateSynthetic, PAPER_SCENARIO } from '../../src/sim/synthetic.ts';

test('replaying a simulated run\'s event log through a fresh driver reproduces every command', async () => {
  const seed = 11;
  const log = new MemoryDecisionLog();
  const cluster = clusterFromPreset('paper-16');
  const policy = resolvePolicy('fairway');
  await runSimulation(fromArray(generateSynthetic({ ...PAPER_SCENARIO, seed, hours: 4, jobsPerHour: 30 }, 8)), { cluster, policy, seed, log });
  const records = log.text().trimEnd().split('\n').map((l) => JSON.parse(l) as DecisionRecord);
  assert.ok(records.length > 500, `only ${records.length} records`);
  assert.ok(records.some((r) => r.commands.some((c) => c.type === 'LaunchJob')));

  let now = 0;
  const executed: Command[] = [];
  const record = (c: Command): void => {
    executed.push(c);
  };
  // The simulator gives the core `createRng(seed).fork('core')`; so does this replay.
  const driver = new Driver({
    reducer: policy.reducer,
    initialState: policy.initialState(),
    rng: createRng(seed).fork('core'),
    ports: {
      clock: { nowMs: () => now },
      cluster: {
        launch: (jobId, nodeIds, resume) => record(resume === undefined ? { type: 'LaunchJob', jobId, nodeIds } : { type: 'LaunchJob', jobId, nodeIds, resumeFromCheckpointId: resume }),
        stop: (jobId, reason) => record({ type: 'StopJob', jobId, reason }),
        checkpoint: (jobId, reason) => record({ type: 'CheckpointJob', jobId, reason }),
        migrate: (jobId, fromNodeIds, toNodeIds, reason) => record({ type: 'MigrateJob', jobId, fromNodeIds, toNodeIds, reason }),
        preempt: (jobId, reason) => record({ type: 'PreemptJob', jobId, reason }),
      },
      timers: { set: (timerId, atMs, purpose) => record({ type: 'SetTimer', timerId, atMs, purpose }) },
    },
  });
  for (const r of records) {
    now = r.atMs;
    executed.length = 0;
    driver.handle(r.event as Event);
    assert.deepEqual(executed, r.commands, `record ${r.seq} (${r.event.type} at ${r.atMs} ms)`);
  }
});
