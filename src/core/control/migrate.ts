// Operator-requested migration (`fairway migrate JOB --to NODE`): the same move the balancer plans, asked for by
// hand. The reducer checks it here, then emits the same MigrateJob command and holds the target the same way, so the
// live adapters and the simulator carry it out on the one path (checkpoint → stop → resume on the target →
// MigrationCompleted). A request that cannot be honoured is a value (a Reason), never an exception.
import type { Command } from '../domain/commands.ts';
import type { Reason } from '../domain/plan.ts';
import { transition } from '../domain/job.ts';
import { holdTargets } from './balance-tick.ts';
import type { ControlState } from './state.ts';

const DIMS = ['cpuMilli', 'gpuMilli', 'memMiB', 'netMbps'] as const;

function no(code: string, message: string): Reason {
  return { plugin: 'migrate', code, message };
}

/** Why the job cannot move to these nodes now, or undefined when it can (one target per task). */
export function migrationBlocker(state: ControlState, jobId: string, toNodeIds: readonly string[]): Reason | undefined {
  const job = state.jobs.get(jobId);
  if (!job) return no('unknown-job', `job '${jobId}' is not known to the scheduler`);
  if (job.state !== 'running') return no('not-running', `job '${jobId}' is ${job.state}, not running`);
  if (!job.spec.migratable) return no('not-migratable', `job '${jobId}' was submitted as not migratable`);
  if (toNodeIds.length !== job.nodeIds.length) return no('gang-size', `job '${jobId}' has ${job.nodeIds.length} task(s); name one target node per task (got ${toNodeIds.length})`);
  if (toNodeIds.join(',') === job.nodeIds.join(',')) return no('same-nodes', `job '${jobId}' already runs on ${toNodeIds.join(',')}`);
  // Tasks that stay on the same node need no room; every task that moves must fit next to what is there.
  const need = new Map<string, number>();
  toNodeIds.forEach((id, k) => { if (job.nodeIds[k] !== id) need.set(id, (need.get(id) ?? 0) + 1); });
  for (const [id, tasks] of [...need].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const n = state.nodes.get(id);
    if (!n) return no('unknown-node', `node '${id}' is not registered`);
    if (n.node.status !== 'ready') return no('node-not-ready', `node '${id}' is ${n.node.status}`);
    for (let d = 0; d < 4; d++) {
      const dim = DIMS[d]!;
      const want = tasks * job.spec.request[dim];
      if ((n.alloc[d] as number) + want > n.node.capacity[dim]) {
        return no('insufficient', `node '${id}' has ${n.node.capacity[dim] - (n.alloc[d] as number)} ${dim} free, the job needs ${want}`);
      }
    }
    const sel = job.spec.nodeSelector;
    if (sel) for (const [k, v] of Object.entries(sel)) if (n.node.labels?.[k] !== v) return no('selector', `node '${id}' does not match the job's selector ${k}=${v}`);
    if (state.reservations.some((r) => r.nodeIds.includes(id))) return no('reserved', `node '${id}' is held for a starving job`);
  }
  return undefined;
}

/** Starts the move if it is possible (the caller checked migrationBlocker; a stale request changes nothing). */
export function requestMigration(state: ControlState, jobId: string, toNodeIds: readonly string[], reason: Reason, out: Command[]): void {
  if (migrationBlocker(state, jobId, toNodeIds) !== undefined) return;
  const job = state.jobs.get(jobId)!;
  job.state = transition(jobId, job.state, 'checkpointing');
  job.state = transition(jobId, job.state, 'migrating');
  holdTargets(state, job, toNodeIds);
  out.push({ type: 'MigrateJob', jobId, fromNodeIds: job.nodeIds, toNodeIds, reason });
}
