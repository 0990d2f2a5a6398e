// Queue-sort plugins: the order in which a cycle considers pending jobs. Every order ends in a deterministic
// tie-break (arrival time, then job id).
import { weightedDrfShares, type ShareClaim } from '../../fairness/fair-share.ts';
import { Heap } from '../../util/heap.ts';
import { topK } from '../../util/top-k.ts';
import { type CycleState, type TenantScratch } from '../cycle-state.ts';
import type { JobQueue, QueueSortPlugin } from '../framework.ts';
import { computePriority, DEFAULT_PRIORITY_WEIGHTS, tenantTerms, type PriorityWeights, type TenantTerms } from '../priority.ts';
import type { PendingJob } from '../snapshot.ts';

const arrival = (j: PendingJob): number => j.enqueuedAtMs ?? j.spec.submittedAtMs;

function byArrival(a: PendingJob, b: PendingJob): number {
  return arrival(a) - arrival(b) || a.spec.submittedAtMs - b.spec.submittedAtMs || (a.spec.id < b.spec.id ? -1 : a.spec.id > b.spec.id ? 1 : 0);
}

/** The first `depth` jobs of the order `cmp` (all, by a plain sort, when depth is absent or ≥ n), best first. */
function firstByOrder(jobs: readonly PendingJob[], depth: number | undefined, cmp: (a: PendingJob, b: PendingJob) => number): PendingJob[] {
  if (depth === undefined || depth >= jobs.length) return [...jobs].sort(cmp);
  const idx = topK(jobs.length, depth, (i, j) => cmp(jobs[i] as PendingJob, jobs[j] as PendingJob) < 0);
  return idx.map((i) => jobs[i] as PendingJob);
}

class ArrayQueue implements JobQueue {
  private i = 0;
  constructor(private readonly jobs: readonly PendingJob[]) {}
  next(): PendingJob | undefined {
    return this.jobs[this.i++];
  }
  placed(): void {}
  failed(): void {}
}

/**
 * Sets every tenant's weighted, demand-capped fair dominant share for this cycle (once; memoised). Demand is what
 * the tenant holds plus everything it has pending.
 */
export function ensureFairShares(pending: readonly PendingJob[], cycle: CycleState): void {
  if (cycle.memo.has('fairShares')) return;
  const demand = new Map<string, number[]>();
  // The snapshot's owner may keep each tenant's demand (allocated + pending); else sum the pending jobs given.
  const kept = [...cycle.tenants.values()].every((t) => t.usage.demand !== undefined);
  for (const t of cycle.tenants.values()) {
    const d = t.usage.demand;
    demand.set(t.id, kept && d ? [d.cpuMilli, d.gpuMilli, d.memMiB, d.netMbps] : Array.from(t.alloc));
  }
  if (!kept) {
    for (const j of pending) {
      const v = demand.get(j.spec.tenantId);
      if (!v) continue;
      const r = j.spec.request;
      const n = j.spec.gangSize;
      v[0] = (v[0] as number) + r.cpuMilli * n;
      v[1] = (v[1] as number) + r.gpuMilli * n;
      v[2] = (v[2] as number) + r.memMiB * n;
      v[3] = (v[3] as number) + r.netMbps * n;
    }
  }
  const claims: ShareClaim[] = [];
  for (const t of cycle.tenants.values()) claims.push({ id: t.id, weight: t.tenant.weight, demand: demand.get(t.id) as number[] });
  const shares = weightedDrfShares(claims, cycle.total);
  for (const t of cycle.tenants.values()) t.fairShare = shares.get(t.id) ?? 0;
  cycle.memo.set('fairShares', shares);
}

export const fifoQueue: QueueSortPlugin = {
  kind: 'queueSort',
  name: 'fifo',
  createQueue: (pending, _cycle, depth) => new ArrayQueue(firstByOrder(pending, depth, byArrival)),
};

export function priorityWeightsOf(cycle: CycleState): PriorityWeights {
  return (cycle.params['priority'] as PriorityWeights | undefined) ?? DEFAULT_PRIORITY_WEIGHTS;
}

/** Fairway's tenant-aware priority with aging (priority.ts). */
export const priorityQueue: QueueSortPlugin = {
  kind: 'queueSort',
  name: 'priority',
  createQueue(pending, cycle, depth) {
    ensureFairShares(pending, cycle);
    const w = priorityWeightsOf(cycle);
    const terms = new Map<string, TenantTerms>();
    for (const t of cycle.tenants.values()) terms.set(t.id, tenantTerms(t));
    const none = tenantTerms(undefined);
    const p = new Float64Array(pending.length);
    for (let i = 0; i < pending.length; i++) {
      const j = pending[i] as PendingJob;
      const tid = j.spec.tenantId;
      p[i] = computePriority(j, cycle.tenants.get(tid), cycle.now, w, terms.get(tid) ?? none).total;
    }
    // Higher priority first, then arrival order (a strict total order: ids are unique).
    if (depth === undefined || depth >= pending.length) {
      const idx = Array.from({ length: pending.length }, (_, i) => i);
      idx.sort((a, b) => (p[b] as number) - (p[a] as number) || byArrival(pending[a] as PendingJob, pending[b] as PendingJob));
      return new ArrayQueue(idx.map((i) => pending[i] as PendingJob));
    }
    const idx = topK(pending.length, depth, (a, b) => {
      const pa = p[a] as number;
      const pb = p[b] as number;
      return pa > pb || (pa === pb && byArrival(pending[a] as PendingJob, pending[b] as PendingJob) < 0);
    });
    return new ArrayQueue(idx.map((i) => pending[i] as PendingJob));
  },
};

/** Round-robin over tenants: every tenant's first job, then every tenant's second job, … (tenants by id). */
export const roundRobinQueue: QueueSortPlugin = {
  kind: 'queueSort',
  name: 'round-robin',
  createQueue(pending) {
    const sorted = [...pending].sort(byArrival);
    const rank = new Map<string, number>();
    const keyed = sorted.map((j) => {
      const r = rank.get(j.spec.tenantId) ?? 0;
      rank.set(j.spec.tenantId, r + 1);
      return { j, r };
    });
    keyed.sort((a, b) => a.r - b.r || (a.j.spec.tenantId < b.j.spec.tenantId ? -1 : a.j.spec.tenantId > b.j.spec.tenantId ? 1 : 0));
    return new ArrayQueue(keyed.map((k) => k.j));
  },
};

/** Tiresias-style least attained service first (discretised-free 2D-LAS: service = resources × time received). */
export const tiresiasQueue: QueueSortPlugin = {
  kind: 'queueSort',
  name: 'tiresias',
  createQueue: (pending, _cycle, depth) =>
    new ArrayQueue(firstByOrder(pending, depth, (a, b) => (a.attainedService ?? 0) - (b.attainedService ?? 0) || byArrival(a, b))),
};

/**
 * Tenant-ranked queue: repeatedly serves the tenant with the lowest current share ÷ weight (recomputed after each of
 * its placements), its jobs in arrival order. With `dominant` the share is DRF's dominant share, otherwise the share
 * of one resource (GPU when the cluster has GPUs, else memory — as YARN's fair scheduler does by default).
 */
class TenantQueue implements JobQueue {
  private readonly perTenant = new Map<string, PendingJob[]>();
  private readonly cursor = new Map<string, number>();
  private readonly heap: Heap<{ id: string; key: number }>;
  private readonly orphans: PendingJob[] = [];
  private current: string | undefined;

  constructor(
    pending: readonly PendingJob[],
    private readonly cycle: CycleState,
    private readonly share: (t: TenantScratch) => number,
  ) {
    this.heap = new Heap((a, b) => a.key < b.key || (a.key === b.key && a.id < b.id));
    for (const j of [...pending].sort(byArrival)) {
      const tid = j.spec.tenantId;
      if (!cycle.tenants.has(tid)) {
        this.orphans.push(j); // unknown tenant: still considered (and postponed with a reason) after the others
        continue;
      }
      let list = this.perTenant.get(tid);
      if (!list) this.perTenant.set(tid, (list = []));
      list.push(j);
    }
    for (const id of this.perTenant.keys()) {
      this.cursor.set(id, 0);
      this.push(id);
    }
  }

  private push(id: string): void {
    const t = this.cycle.tenants.get(id) as TenantScratch;
    this.heap.push({ id, key: this.share(t) / t.tenant.weight });
  }

  next(): PendingJob | undefined {
    const top = this.heap.pop();
    if (!top) return this.orphans.shift();
    this.current = top.id;
    const c = this.cursor.get(top.id) as number;
    this.cursor.set(top.id, c + 1);
    return (this.perTenant.get(top.id) as PendingJob[])[c];
  }

  private advance(job: PendingJob): void {
    const id = job.spec.tenantId;
    if (id !== this.current) return;
    this.current = undefined;
    if ((this.cursor.get(id) as number) < (this.perTenant.get(id) as PendingJob[]).length) this.push(id);
  }

  placed(job: PendingJob): void {
    this.advance(job);
  }

  failed(job: PendingJob): void {
    this.advance(job);
  }
}

function primaryDim(cycle: CycleState): number {
  return (cycle.total[1] as number) > 0 ? 1 : 2;
}

/** YARN-style weighted fair share on one resource. */
export const fairShareQueue: QueueSortPlugin = {
  kind: 'queueSort',
  name: 'fair-share',
  createQueue(pending, cycle) {
    const d = primaryDim(cycle);
    return new TenantQueue(pending, cycle, (t) => t.share(d));
  },
};

/** Weighted DRF: lowest dominant share ÷ weight first. */
export const drfQueue: QueueSortPlugin = {
  kind: 'queueSort',
  name: 'drf',
  createQueue: (pending, cycle) => new TenantQueue(pending, cycle, (t) => t.dominantShare()),
};

export const QUEUE_SORT_PLUGINS: readonly QueueSortPlugin[] = [fifoQueue, priorityQueue, roundRobinQueue, tiresiasQueue, fairShareQueue, drfQueue];
