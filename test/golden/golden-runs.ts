// The golden runs: a small real trace (the first 40 jobs of the bundled Philly day) replayed on two 4-GPU nodes (so queues form),
// whose decision logs are stored beside this file. Shared by the test and the regeneration script.
import { fileURLToPath } from 'node:url';
import { MemoryDecisionLog } from '../../src/runtime/memory-decision-log.ts';
import { uniformCluster } from '../../src/sim/cluster-spec.ts';
import { resolvePolicy } from '../../src/sim/policies.ts';
import { runSimulation } from '../../src/sim/simulator.ts';
import { traceSource } from '../../src/sim/workload.ts';

export const GOLDEN_POLICIES = ['fifo', 'drf', 'fairway'] as const;
export const goldenTrace = fileURLToPath(new URL('./philly-mini.csv', import.meta.url));
export const goldenLogPath = (policy: string): string => fileURLToPath(new URL(`./philly-mini.${policy}.log`, import.meta.url));

/** The decision log of one golden run: events that caused a decision other than setting a timer (launch, preempt,
 *  checkpoint, migrate, stop), with all the commands they caused. Timers are covered by the determinism test. */
export async function goldenLog(policy: string): Promise<string> {
  const log = new MemoryDecisionLog((r) => r.commands.some((c) => c.type !== 'SetTimer'));
  await runSimulation(traceSource(goldenTrace, { gpusPerNode: 4 }, { count: 0, messages: [] }, { onMalformed: 'fail' }), {
    cluster: uniformCluster(2, 4), policy: resolvePolicy(policy), seed: 2017, log,
  });
  return log.text();
}
