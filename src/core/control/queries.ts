// Read-only queries over the control state for the API: "why is my job waiting" and "how fair is it now".
// They cost O(nodes + running + pending·log pending) and never change the state.
import type { JobState } from '../domain/job.ts';
import type { Reason, Reservation } from '../domain/plan.ts';
import { totalRequest } from '../domain/job.ts';
import { measureFairness, type FairnessReading } from '../fairness/monitor.ts';
import { CycleState, toVector } from '../scheduler/cycle-state.ts';
import { ensureFairShares } from '../scheduler/plugins/queue-sorts.ts';
import { computePriority, type PriorityBreakdown } from '../scheduler/priority.ts';
import { beyondDepthReason } from '../scheduler/schedule.ts';
import { createRng } from '../util/rng.ts';
import { NotFoundError } from '../util/errors.ts';
import type { ControlState, JobRecord } from './state.ts';
import { buildSnapshot, clusterCapacity, tenantLoads } from './step.ts';

export interface JobExplanation {
  readonly jobId: string;
  readonly state: JobState;
  /** 1-based place in the queue under the profile's order, among jobs that can fit (present while pending). */
  readonly position?: number;
  readonly queueLength: number;
  readonly priority?: PriorityBreakdown;
  readonly postponements: number;
  readonly reasons: readonly Reason[];
  readonly neverFits: boolean;
  /**
   * Rough estimate: when enough running work (by expected duration) will have finished to free, cluster-wide, what
   * this job and every job ahead of it ask for. Absent when it cannot be estimated (unknown durations, never fits).
   */
  readonly estimatedStartMs?: number;
  /**
   * Present while the job is starving and holds nodes (the aging guarantee): which nodes, and when it is expected to
   * start there by the running jobs' expected ends (only jobs that do not delay that may use them meanwhile).
   */
  readonly reservation?: Reservation;
  readonly nodeIds: readonly string[];
}

function reservationOf(state: ControlState, jobId: string): { reservation?: Reservation } {
  const r = state.reservations.find((x) => x.jobId === jobId);
  return r ? { reservation: r } : {};
}

/** Pending and passed over by the last cycle (beyond the queue depth), though it was already queued then. */
function beyondDepth(state: ControlState, job: JobRecord): boolean {
  const last = state.lastCycle;
  return job.state === 'pending' && job.queue !== undefined && last !== undefined && last.beyondDepth > 0 &&
    job.consideredInCycle !== state.cycles && job.queue.enqueuedAtMs <= last.atMs;
}

export function explainJob(state: ControlState, jobId: string, now: number): JobExplanation {
  const job = state.jobs.get(jobId);
  if (!job) throw new NotFoundError('job', jobId);
  const base = {
    jobId,
    state: job.state,
    queueLength: state.pending.size,
    postponements: job.queue?.postponements ?? 0,
    reasons: beyondDepth(state, job) ? [beyondDepthReason(state.config.profile.queueDepth)] : job.lastReasons ?? [],
    neverFits: job.neverFits ?? false,
    ...reservationOf(state, jobId),
    nodeIds: job.nodeIds,
  };
  if (job.state !== 'pending' || !job.queue) return base;
  const snapshot = buildSnapshot(state);
  const pending = [...state.pending.values()];
  const cycle = new CycleState(snapshot, now, createRng(0), { priority: state.config.profile.priority });
  ensureFairShares(pending, cycle);
  // The profile's own queue order (fair-share and DRF order by tenants as they would in a cycle, without placements).
  const queue = state.config.profile.queueSort.createQueue(pending, cycle);
  const order: string[] = [];
  for (let j = queue.next(); j !== undefined; j = queue.next()) {
    // Jobs that can never fit wait forever and hold nobody back: they do not count for the position.
    if (j.spec.id === jobId || !state.jobs.get(j.spec.id)?.neverFits) order.push(j.spec.id);
    queue.failed(j);
  }
  const position = order.indexOf(jobId) + 1;
  const priority = computePriority(job.queue, cycle.tenants.get(job.spec.tenantId), now, state.config.profile.priority);
  let estimatedStartMs: number | undefined;
  if (!job.neverFits) {
    // Need, cluster-wide: this job and everything ahead of it, beyond what is free now.
    const need = toVector(totalRequest(job.spec));
    for (const id of order.slice(0, Math.max(0, position - 1))) {
      const v = toVector(totalRequest(state.jobs.get(id)!.spec));
      for (let d = 0; d < 4; d++) need[d] = (need[d] as number) + (v[d] as number);
    }
    const free = clusterCapacity(state).map((c, d) => c - [...state.tenants.values()].reduce((s, t) => s + (t.alloc[d] as number), 0));
    const ends: { at: number; v: number[] }[] = [];
    let unknown = false;
    for (const r of state.running.values()) {
      const dur = r.spec.expectedDurationMs;
      if (dur === undefined) {
        unknown = true;
        continue;
      }
      ends.push({ at: Math.max(now, (r.startedAtMs ?? now) + dur), v: toVector(totalRequest(r.spec)) });
    }
    ends.sort((a, b) => a.at - b.at);
    const enough = (): boolean => need.every((n, d) => n <= (free[d] as number));
    if (enough()) estimatedStartMs = now;
    else {
      for (const e of ends) {
        for (let d = 0; d < 4; d++) free[d] = (free[d] as number) + (e.v[d] as number);
        if (enough()) {
          estimatedStartMs = e.at;
          break;
        }
      }
      if (estimatedStartMs === undefined && unknown) estimatedStartMs = undefined;
    }
  }
  return { ...base, position, priority, ...(estimatedStartMs !== undefined ? { estimatedStartMs } : {}) };
}

export interface FairnessNow {
  readonly current: FairnessReading;
  /** Over the monitor's sliding window (absent before the first fairness tick). */
  readonly windowed?: FairnessReading;
  readonly threshold: number;
  readonly corrections: readonly (Reason & { readonly tenantId: string })[];
}

export function fairnessNow(state: ControlState, now: number): FairnessNow {
  const current = measureFairness(tenantLoads(state), clusterCapacity(state), now);
  const windowed = state.monitor.windowed();
  return { current, ...(windowed ? { windowed } : {}), threshold: state.config.fairness.threshold, corrections: state.corrections.reasons };
}
