// One scheduling cycle (DESIGN.md §1.4): schedule(snapshot, pending, profile, now, rng) → Plan.
// Phases: 0 scratch state · 1 QueueSort · 2 PreFilter · 3 Filter · 4 Score · 5 Select · 6 Reserve (gang all or
// nothing) · 7 preemption to restore guarantees. The inputs are never mutated; later jobs see earlier placements
// through the scratch state.
import type { JobSpec } from '../domain/job.ts';
import type { Placement, Plan, Postponement, Preemption, Reason, Reservation } from '../domain/plan.ts';
import { DIMENSIONS } from '../domain/resources.ts';
import type { Rng } from '../util/rng.ts';
import { ReleaseTimeline, holdNodes } from './backfill.ts';
import { CycleState, DIMS, STATUS_READY, toVector } from './cycle-state.ts';
import type { TaskView } from './framework.ts';
import { computePriority } from './priority.ts';
import type { ResolvedProfile } from './profiles.ts';
import type { ClusterSnapshot, PendingJob, RunningJob } from './snapshot.ts';

export interface CycleReport {
  readonly plan: Plan;
  /** Node visits (filter runs), for benchmarks. */
  readonly nodesVisited: number;
  /** Pending jobs the cycle did not consider because they were beyond the profile's queue depth. */
  readonly beyondDepth: number;
}

/** The reason a pending job beyond the queue depth carries (it was not looked at in the last cycle). */
export function beyondDepthReason(depth: number): Reason {
  return { plugin: 'queue', code: 'beyond-queue-depth', message: `not considered in the last cycle: only the first ${depth} jobs of the queue order are (queue depth); it moves up as it ages` };
}

/** Memo of each (immutable) spec's shape key across cycles: a cache with no observable effect. */
const SHAPES = new WeakMap<JobSpec, string>();

function makeTask(job: PendingJob, cycle: CycleState): TaskView {
  const spec = job.spec;
  const req = toVector(spec.request);
  // Key dimension for the capacity index: GPU when the job asks for GPUs (the scarce, binding resource of a
  // training cluster), else its largest request relative to the largest node.
  let keyDim = 0;
  if ((req[1] as number) > 0) keyDim = 1;
  else {
    let best = -1;
    for (let d = 0; d < DIMS; d++) {
      const m = cycle.maxCap[d] as number;
      const share = m > 0 ? (req[d] as number) / m : 0;
      if (share > best) {
        best = share;
        keyDim = d;
      }
    }
  }
  const selector: [string, string][] = spec.nodeSelector ? Object.entries(spec.nodeSelector).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : [];
  let shape = SHAPES.get(spec);
  if (shape === undefined) {
    shape = `${req[0]},${req[1]},${req[2]},${req[3]}|${spec.gangSize}`;
    for (const [k, v] of selector) shape += `|${k}=${v}`;
    SHAPES.set(spec, shape);
  }
  return {
    job,
    spec,
    req,
    tenant: cycle.tenants.get(spec.tenantId),
    cls: cycle.classOf(req),
    keyDim,
    selector,
    shape,
    chosen: [],
  };
}

/** pending × nodes below which an indexed profile scans exhaustively instead (cheaper and exact at that size). */
export const INDEX_MIN_WORK = 200_000;

class Searcher {
  visited = 0;
  constructor(
    private readonly profile: ResolvedProfile,
    private readonly cycle: CycleState,
    private readonly indexed: boolean,
  ) {}

  private passes(task: TaskView, node: number): boolean {
    this.visited++;
    const fs = this.profile.filters;
    for (let k = 0; k < fs.length; k++) if ((fs[k] as (typeof fs)[number]).filter(task, node, this.cycle) !== null) return false;
    return true;
  }

  private score(task: TaskView, node: number): number {
    const ss = this.profile.scores;
    const ws = this.profile.scoreWeights;
    let s = 0;
    for (let k = 0; k < ss.length; k++) s += (ws[k] as number) * (ss[k] as (typeof ss)[number]).score(task, node, this.cycle);
    return s;
  }

  private best = -1;
  private bestScore = 0;
  /** mark[node] === stamp: already offered for the current task (dataset holders). */
  private mark: Uint32Array | undefined;
  private stamp = 0;

  /** Filters and scores one node for the current search; true when it was feasible. */
  private offer(task: TaskView, node: number): boolean {
    if (!this.passes(task, node)) return false;
    const s = this.profile.firstFit ? 0 : this.score(task, node);
    if (this.best < 0 || this.profile.select.better(s, node, this.bestScore, this.best, this.cycle)) {
      this.best = node;
      this.bestScore = s;
    }
    return true;
  }

  /** Phases 3–5 for one task: the chosen node index, or -1. */
  find(task: TaskView): number {
    const cycle = this.cycle;
    const firstFit = this.profile.firstFit;
    this.best = -1;
    this.bestScore = 0;
    const search = this.profile.search;
    if (search.kind === 'exhaustive' || !this.indexed) {
      for (let i = 0; i < cycle.nodeCount; i++) if (this.offer(task, i) && firstFit) break;
      return this.best;
    }
    // Indexed: nodes caching the job's dataset first (locality prefers them), then the tightest nodes in the key
    // dimension upwards until maxCandidates feasible ones were scored, or 4×maxCandidates were visited once one
    // feasible node is known (bounds the work when nodes with room in the key dimension lack another one).
    const index = cycle.ensureIndex();
    const limit = firstFit ? 1 : search.maxCandidates;
    let feasible = 0;
    const ref = task.spec.datasetRef;
    let marked = false;
    if (ref !== undefined) {
      const holders = cycle.datasetHolders(ref);
      if (holders.length > 0) {
        if (!this.mark) this.mark = new Uint32Array(cycle.nodeCount);
        marked = true;
        const stamp = ++this.stamp;
        for (let k = 0; k < holders.length; k++) {
          const i = holders[k] as number;
          this.mark[i] = stamp;
          if (this.offer(task, i) && ++feasible >= limit) return this.best;
          if (k + 1 >= 4 * limit && feasible > 0) break; // many holders full: enough tried
        }
      }
    }
    const d = task.keyDim;
    const maxVisits = 4 * limit;
    let visits = 0;
    const buckets = index.bucketsOf(d);
    const mark = this.mark;
    const stamp = this.stamp;
    for (let l = index.levelOf(d, task.req[d] as number); l < buckets.length; l++) {
      const bucket = buckets[l] as number[];
      for (let k = 0; k < bucket.length; k++) {
        const node = bucket[k] as number;
        if (marked && (mark as Uint32Array)[node] === stamp) continue;
        if (this.offer(task, node)) feasible++;
        if (feasible >= limit || (++visits >= maxVisits && feasible > 0)) return this.best;
      }
    }
    return this.best;
  }

  /**
   * Upper bound of any ready node's free amount per dimension: exact when refreshed (after a failed search), stale
   * high after reservations (free only shrinks in a cycle), so "request > maxFree" always means "fits nowhere now".
   */
  private maxFree: number[] | undefined;

  refreshMaxFree(): void {
    const c = this.cycle;
    const m = [0, 0, 0, 0];
    for (let d = 0; d < DIMS; d++) {
      const f = c.free[d] as Float64Array;
      let x = 0;
      for (let i = 0; i < c.nodeCount; i++) if (c.status[i] === STATUS_READY && (f[i] as number) > x) x = f[i] as number;
      m[d] = x;
    }
    this.maxFree = m;
    this.quickReasons.fill(undefined);
  }

  /** O(1) "no node has that much free" once a failed search has refreshed the bound; undefined otherwise. */
  tooLargeForAnyNode(task: TaskView): Reason[] | undefined {
    const m = this.maxFree;
    if (!m) return undefined;
    for (let d = 0; d < DIMS; d++) {
      if ((task.req[d] as number) > (m[d] as number)) {
        const dim = DIMENSIONS[d] as (typeof DIMENSIONS)[number];
        return [{ plugin: 'fit', code: 'insufficient', dimension: dim, nodes: this.cycle.nodeCount, message: `no ready node has ${task.req[d]} ${dim} free (most free: ${m[d]})` }];
      }
    }
    return undefined;
  }

  private readonly quickReasons: (Reason[] | undefined)[] = [undefined, undefined, undefined, undefined];

  quickReject(job: PendingJob): readonly Reason[] | undefined {
    const m = this.maxFree;
    const c = this.cycle;
    if (!m || c.dominantNode < 0) return undefined;
    const spec = job.spec;
    if (spec.gangSize !== 1 || spec.nodeSelector !== undefined) return undefined;
    const t = c.tenants.get(spec.tenantId);
    if (!t || t.tenant.cap !== undefined || t.usage.capDominantShare !== undefined) return undefined;
    const r = spec.request;
    const req = [r.cpuMilli, r.gpuMilli, r.memMiB, r.netMbps];
    let over = -1;
    for (let d = 0; d < DIMS; d++) {
      const x = req[d] as number;
      if (!(Number.isInteger(x) && x >= 0) || x > ((c.cap[d] as Float64Array)[c.dominantNode] as number)) return undefined;
      if (over < 0 && x > (m[d] as number)) over = d;
    }
    if (over < 0) return undefined;
    let reasons = this.quickReasons[over];
    if (!reasons) {
      const dim = DIMENSIONS[over] as (typeof DIMENSIONS)[number];
      reasons = [{ plugin: 'fit', code: 'insufficient', dimension: dim, nodes: c.nodeCount, message: `no ready node has enough ${dim} free (most free: ${m[over]})` }];
      this.quickReasons[over] = reasons;
    }
    return reasons;
  }

  /** Why no node took the task: a full pass counting each filter's first "no" (only for postponed shapes). */
  explain(task: TaskView): Reason[] {
    const counts = new Map<string, { plugin: number; n: number }>();
    const fs = this.profile.filters;
    for (let i = 0; i < this.cycle.nodeCount; i++) {
      for (let k = 0; k < fs.length; k++) {
        const code = (fs[k] as (typeof fs)[number]).filter(task, i, this.cycle);
        if (code !== null) {
          const c = counts.get(code);
          if (c) c.n++;
          else counts.set(code, { plugin: k, n: 1 });
          break;
        }
      }
    }
    const reasons: Reason[] = [];
    for (const [code, { plugin, n }] of counts) reasons.push((fs[plugin] as (typeof fs)[number]).explain(code, n, task, this.cycle));
    reasons.sort((a, b) => (b.nodes ?? 0) - (a.nodes ?? 0) || (a.code < b.code ? -1 : 1));
    return reasons;
  }
}

/** Runs one cycle and also reports how much work the node search did. */
export function runCycle(snapshot: ClusterSnapshot, pending: readonly PendingJob[], profile: ResolvedProfile, now: number, rng: Rng): CycleReport {
  // Phase 0: scratch state.
  const cycle = new CycleState(snapshot, now, rng, { priority: profile.priority });
  // A small cycle scans exhaustively: building the index would cost more than it saves, and the scan is exact.
  const indexed = profile.search.kind === 'indexed' && pending.length * cycle.nodeCount >= (profile.search.minWork ?? INDEX_MIN_WORK);
  const searcher = new Searcher(profile, cycle, indexed);
  const placements: Placement[] = [];
  const postponed: Postponement[] = [];
  // Reasons of shapes that failed, with the shortest expected duration that failed: while nodes are held, a shorter
  // job may still backfill where a longer one of the same shape could not (a longer one never can where it failed).
  const failedShapes = new Map<string, { reasons: readonly Reason[]; minDurMs: number }>();
  let headBlocker: string | undefined;
  // Phase 1: queue sort (the priority sort also sets the tenants' fair shares the starvation test needs).
  // The queue depth bounds the cycle's work: only the first `depth` jobs of the queue order are considered.
  const depth = profile.queueDepth;
  const queue = profile.queueSort.createQueue(pending, cycle, depth < pending.length ? depth : undefined);
  let considered = 0;
  // Reservations carried over for jobs still pending and still starving (waited past the guard, tenant within its
  // fair share); the others lapse. Each gets a fresh estimated start from the running jobs' expected ends.
  const holding = profile.blocking === 'starving';
  const timeline = holding ? new ReleaseTimeline(cycle) : undefined;
  const reservations = new Map<string, Reservation>();
  const carried = snapshot.reservations ?? [];
  if (holding && carried.length > 0) {
    const pendingById = new Map<string, PendingJob>();
    for (const j of pending) pendingById.set(j.spec.id, j);
    for (const r of carried) {
      const job = pendingById.get(r.jobId);
      if (!job || reservations.has(r.jobId)) continue;
      if (!computePriority(job, cycle.tenants.get(job.spec.tenantId), now, profile.priority).starving) continue;
      const idx = r.nodeIds.map((id) => cycle.nodeIndexById.get(id));
      if (idx.some((i) => i === undefined || cycle.status[i] !== STATUS_READY || cycle.reservedBy[i] !== undefined)) continue;
      const q = job.spec.request;
      const shadowMs = holdNodes(cycle, timeline as ReleaseTimeline, r.jobId, idx as number[], [q.cpuMilli, q.gpuMilli, q.memMiB, q.netMbps]);
      reservations.set(r.jobId, withEstimate(r, shadowMs));
    }
  }

  function postponeJob(job: PendingJob, reasons: readonly Reason[], neverFits = false): void {
    postponed.push(neverFits ? { jobId: job.spec.id, reasons, neverFits } : { jobId: job.spec.id, reasons });
    queue.failed(job);
  }
  for (let job = considered < depth ? queue.next() : undefined; job !== undefined; job = ++considered < depth ? queue.next() : undefined) {
    // Saturated-cluster fast path: a plain job (no selector, single task, known uncapped tenant, fits an empty
    // node) that asks for more than any node has free is postponed without building its task.
    // Not for strict FIFO (the job would have to become the head blocker) nor for a job past the starvation guard
    // (it may need a reservation).
    const quick =
      profile.blocking !== 'head-of-line' && !(profile.blocking === 'starving' && now - (job.enqueuedAtMs ?? job.spec.submittedAtMs) >= profile.priority.starvationGuardMs)
        ? searcher.quickReject(job)
        : undefined;
    if (quick) {
      postponeJob(job, quick);
      continue;
    }
    const invalid = invalidRequest(job);
    if (invalid) {
      postponeJob(job, [invalid], true);
      continue;
    }
    const task = makeTask(job, cycle);
    // Phase 2: pre-filters (job level).
    let pre: ReturnType<(typeof profile.preFilters)[number]['preFilter']> = null;
    for (const pf of profile.preFilters) {
      pre = pf.preFilter(task, cycle);
      if (pre) break;
    }
    if (pre) {
      postponeJob(job, [pre.reason], pre.neverFits ?? false);
      continue;
    }
    if (headBlocker !== undefined) {
      postponeJob(job, [{ plugin: 'fifo', code: 'blocked-by-head', message: `strict FIFO: job '${headBlocker}' at the head of the queue does not fit yet` }]);
      continue;
    }
    // Phases 3–6 per task, all or nothing. Free capacity only shrinks within a cycle, so a shape that failed once
    // fails again: reuse its reasons.
    // A job holding a reservation sees nodes others do not: never share its cached failure.
    const key = reservations.has(task.spec.id) ? undefined : task.shape;
    const durMs = task.spec.expectedDurationMs ?? Infinity;
    const failed = key === undefined ? undefined : failedShapes.get(key);
    let reasons = failed !== undefined && durMs >= failed.minDurMs ? failed.reasons : undefined;
    if (reasons === undefined) reasons = searcher.tooLargeForAnyNode(task);
    if (reasons === undefined) {
      const n = task.spec.gangSize;
      for (let k = 0; k < n; k++) {
        const node = searcher.find(task);
        if (node < 0) break;
        cycle.reserve(task, node);
        for (const rp of profile.reserve) rp.reserve(task, node, cycle);
        task.chosen.push(node);
      }
      if (task.chosen.length === n) {
        placements.push({ jobId: task.spec.id, nodeIds: task.chosen.map((i) => cycle.nodes[i]!.id) });
        if (timeline) for (const i of task.chosen) timeline.placed(i, task.req, task.spec.expectedDurationMs);
        // Placed: its reservation is released at once, so later jobs of this cycle may use the nodes it left.
        const held = reservations.get(task.spec.id);
        if (held) {
          for (const id of held.nodeIds) {
            const i = cycle.nodeIndexById.get(id);
            if (i !== undefined && cycle.reservedBy[i] === task.spec.id) cycle.reservedBy[i] = undefined;
          }
          reservations.delete(task.spec.id);
        }
        queue.placed(job);
        continue;
      }
      // Explain with the gang's partial reservation still in place, then roll it back.
      const r = searcher.explain(task);
      if (n > 1) r.unshift({ plugin: 'gang', code: 'gang-incomplete', message: `only ${task.chosen.length} of ${n} tasks could be placed; a gang starts all at once or not at all` });
      for (let k = task.chosen.length - 1; k >= 0; k--) {
        const node = task.chosen[k] as number;
        for (const rp of profile.reserve) rp.unreserve(task, node, cycle);
        cycle.unreserve(task, node);
      }
      task.chosen.length = 0;
      reasons = r.length > 0 ? r : [{ plugin: 'fit', code: 'no-node', message: 'no node can take the job now' }];
      searcher.refreshMaxFree();
    }
    if (key !== undefined && (failed === undefined || durMs < failed.minDurMs)) failedShapes.set(key, { reasons, minDurMs: reservations.size > 0 ? durMs : -Infinity });
    postponeJob(job, reasons);
    if (profile.blocking === 'head-of-line') headBlocker = task.spec.id;
    else if (
      profile.blocking === 'starving' &&
      now - (job.enqueuedAtMs ?? job.spec.submittedAtMs) >= profile.priority.starvationGuardMs &&
      !reservations.has(task.spec.id) &&
      computePriority(job, task.tenant, now, profile.priority).starving
    ) {
      const nodes = reserveFor(task, cycle, timeline as ReleaseTimeline);
      if (nodes) {
        const shadowMs = holdNodes(cycle, timeline as ReleaseTimeline, task.spec.id, nodes, task.req);
        reservations.set(task.spec.id, withEstimate({ jobId: task.spec.id, nodeIds: nodes.map((i) => cycle.nodes[i]!.id), sinceMs: now }, shadowMs));
      }
    }
  }
  for (const p of placements) reservations.delete(p.jobId);

  // Phase 7: preemption, only of preemptible jobs and only to restore a guarantee.
  const preemptions: Preemption[] = profile.preemptForGuarantee ? preemptForGuarantees(cycle, pending, postponed) : [];
  const plan: Plan = reservations.size > 0 ? { placements, preemptions, migrations: [], postponed, reservations: [...reservations.values()] } : { placements, preemptions, migrations: [], postponed };
  return { plan, nodesVisited: searcher.visited, beyondDepth: pending.length - Math.min(considered, pending.length) };
}

function isCount(v: number): boolean {
  return Number.isInteger(v) && v >= 0;
}

/** The cycle trusts typed input but never drops it silently: a malformed request is a never-fits reason naming it. */
function invalidRequest(job: PendingJob): Reason | undefined {
  const r = job.spec.request;
  const g = job.spec.gangSize;
  if (isCount(r.cpuMilli) && isCount(r.gpuMilli) && isCount(r.memMiB) && isCount(r.netMbps) && isCount(g) && g >= 1) return undefined;
  for (const d of DIMENSIONS) {
    const v = r[d];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      return { plugin: 'input', code: 'invalid-request', dimension: d, message: `request.${d} must be a non-negative integer, got ${String(v)}` };
    }
  }
  if (!Number.isInteger(g) || g < 1) return { plugin: 'input', code: 'invalid-request', message: `gangSize must be a positive integer, got ${String(g)}` };
  return undefined;
}

/**
 * Picks nodes to hold for a starving task: ready, unreserved nodes with its labels where one task fits when the node
 * is empty, those where it is expected to fit soonest first (by the running tasks' expected ends; unknown ends last),
 * then most free in the task's key dimension, then by id; one per task of the gang. Undefined when there are not
 * enough such nodes. The caller holds them (holdNodes).
 */
function reserveFor(task: TaskView, cycle: CycleState, timeline: ReleaseTimeline): number[] | undefined {
  const candidates: number[] = [];
  for (let i = 0; i < cycle.nodeCount; i++) {
    if (cycle.status[i] !== STATUS_READY || cycle.reservedBy[i] !== undefined) continue;
    let fits = true;
    for (let d = 0; d < DIMS && fits; d++) if ((task.req[d] as number) > ((cycle.cap[d] as Float64Array)[i] as number)) fits = false;
    if (!fits) continue;
    const labels = cycle.nodes[i]!.labels;
    if (task.selector.some(([k, v]) => labels[k] !== v)) continue;
    candidates.push(i);
  }
  if (candidates.length < task.spec.gangSize) return undefined;
  const free = cycle.free[task.keyDim] as Float64Array;
  const at = new Map<number, number>();
  for (const i of candidates) at.set(i, timeline.fitTime(i, task.req));
  candidates.sort((a, b) => (at.get(a) as number) - (at.get(b) as number) || (free[b] as number) - (free[a] as number) || (cycle.nodes[a]!.id < cycle.nodes[b]!.id ? -1 : 1));
  return candidates.slice(0, task.spec.gangSize);
}

/** The reservation with its estimated start (omitted when unknown: a blocking job has no expected duration). */
function withEstimate(r: Reservation, shadowMs: number): Reservation {
  const { estimatedStartMs: _old, ...rest } = r;
  return Number.isFinite(shadowMs) ? { ...rest, estimatedStartMs: shadowMs } : rest;
}

/** A pure function of its inputs: same snapshot, pending, profile, now and rng state ⇒ the same Plan. */
export function schedule(snapshot: ClusterSnapshot, pending: readonly PendingJob[], profile: ResolvedProfile, now: number, rng: Rng): Plan {
  return runCycle(snapshot, pending, profile, now, rng).plan;
}

/**
 * For each postponed single-task job whose tenant would still be within its guaranteed quota with the job, look for
 * a ready node where preempting preemptible jobs of tenants above their own guarantee (newest first) frees enough.
 * Postponements gain an `awaiting-preemption` reason; victims are never taken below their tenant's guarantee.
 */
function preemptForGuarantees(cycle: CycleState, pending: readonly PendingJob[], postponed: Postponement[]): Preemption[] {
  // Cheap exit (most cycles): no tenant has a guarantee, or nothing was postponed.
  if (postponed.length === 0) return [];
  // Tenants below their guarantee in some dimension it covers: only their jobs can trigger a preemption.
  const below = new Set<string>();
  for (const t of cycle.tenants.values()) {
    const g = toVector(t.tenant.guaranteed);
    for (let d = 0; d < DIMS; d++) if ((g[d] as number) > 0 && (t.alloc[d] as number) < (g[d] as number)) below.add(t.id);
  }
  if (below.size === 0) return [];
  const byId = new Map(pending.map((j) => [j.spec.id, j]));
  let victimsByNode: Map<number, RunningJob[]> | undefined;
  // Built on first need: preemptible running jobs per node, newest first.
  function victimsOn(node: number): readonly RunningJob[] {
    if (!victimsByNode) {
      victimsByNode = new Map();
      for (const r of cycle.snapshot.running) {
        if (!r.spec.preemptible) continue;
        for (const nodeId of r.nodeIds) {
          const i = cycle.nodeIndexById.get(nodeId);
          if (i === undefined) continue;
          let list = victimsByNode.get(i);
          if (!list) victimsByNode.set(i, (list = []));
          if (!list.includes(r)) list.push(r);
        }
      }
      for (const list of victimsByNode.values()) list.sort((a, b) => b.startedAtMs - a.startedAtMs || (a.spec.id < b.spec.id ? 1 : -1));
    }
    return victimsByNode.get(node) ?? [];
  }
  const taken = new Set<string>();
  const preemptions: Preemption[] = [];
  const aboveGuarantee = (tenantId: string, minus: readonly number[]): boolean => {
    const t = cycle.tenants.get(tenantId);
    if (!t) return true;
    const g = toVector(t.tenant.guaranteed);
    for (let d = 0; d < DIMS; d++) if ((t.alloc[d] as number) - (minus[d] as number) < (g[d] as number) && (minus[d] as number) > 0) return false;
    return true;
  };
  for (let p = 0; p < postponed.length; p++) {
    const post = postponed[p] as Postponement;
    const pendingJob = byId.get(post.jobId);
    if (!pendingJob || !below.has(pendingJob.spec.tenantId)) continue;
    if (post.neverFits || post.reasons.some((r) => r.plugin === 'tenant' || r.plugin === 'fairness-cap')) continue;
    const job = byId.get(post.jobId);
    if (!job || job.spec.gangSize !== 1) continue;
    const t = cycle.tenants.get(job.spec.tenantId);
    if (!t) continue;
    const req = toVector(job.spec.request);
    const g = toVector(t.tenant.guaranteed);
    let within = true;
    let asks = false;
    for (let d = 0; d < DIMS; d++) {
      // Only the dimensions the guarantee covers count (a guarantee of GPUs says nothing about CPU).
      if ((g[d] as number) <= 0) continue;
      if ((req[d] as number) > 0) asks = true;
      if ((t.alloc[d] as number) + (req[d] as number) > (g[d] as number)) within = false;
    }
    if (!within || !asks) continue;
    for (let i = 0; i < cycle.nodeCount; i++) {
      if (cycle.status[i] !== STATUS_READY) continue;
      const labels = cycle.nodes[i]!.labels;
      if (job.spec.nodeSelector && Object.entries(job.spec.nodeSelector).some(([k, v]) => labels[k] !== v)) continue;
      const free = DIMENSIONS.map((_, d) => (cycle.free[d] as Float64Array)[i] as number);
      const chosen: RunningJob[] = [];
      const fitsNow = (): boolean => req.every((r, d) => r <= (free[d] as number));
      for (const v of victimsOn(i)) {
        if (fitsNow()) break;
        if (taken.has(v.spec.id) || v.spec.tenantId === t.id) continue;
        const vreq = toVector(v.spec.request);
        const vtotal = vreq.map((x) => x * v.spec.gangSize);
        if (!aboveGuarantee(v.spec.tenantId, vtotal)) continue;
        chosen.push(v);
        for (let d = 0; d < DIMS; d++) free[d] = (free[d] as number) + (vreq[d] as number);
      }
      if (!fitsNow() || chosen.length === 0) continue;
      for (const v of chosen) {
        taken.add(v.spec.id);
        const vt = cycle.tenants.get(v.spec.tenantId);
        const vreq = toVector(v.spec.request);
        if (vt) for (let d = 0; d < DIMS; d++) vt.alloc[d] = (vt.alloc[d] as number) - (vreq[d] as number) * v.spec.gangSize;
        preemptions.push({
          jobId: v.spec.id,
          reason: { plugin: 'fairness', code: 'restore-guarantee', message: `preempted so tenant '${t.id}' gets back its guaranteed quota (for job '${job.spec.id}')` },
        });
      }
      postponed[p] = {
        jobId: post.jobId,
        reasons: [...post.reasons, { plugin: 'fairness', code: 'awaiting-preemption', message: `${chosen.length} preemptible job(s) of over-guarantee tenants are being preempted to make room` }],
      };
      break;
    }
  }
  return preemptions;
}
