// Per-cycle scratch state: the snapshot copied into typed arrays (free capacity per node and dimension, the
// capacity index, per-tenant allocation), updated as the cycle reserves nodes so later jobs see earlier placements.
// The snapshot itself is never mutated.
import { DIMENSIONS, type Resources } from '../domain/resources.ts';
import type { Tenant } from '../domain/tenant.ts';
import { classify, WORKLOAD_CLASSES, type WorkloadClass } from '../profile/resource-score.ts';
import type { Rng } from '../util/rng.ts';
import type { TaskView } from './framework.ts';
import { NodeIndex } from './node-index.ts';
import type { ClusterSnapshot, NodeSnapshot, RunningJob, TenantUsage } from './snapshot.ts';
import { assert } from '../util/assert.ts';

export const DIMS = DIMENSIONS.length;
export const STATUS_READY = 0;
export const STATUS_DRAINING = 1;
export const STATUS_DOWN = 2;

export function toVector(r: Resources): [number, number, number, number] {
  return [r.cpuMilli, r.gpuMilli, r.memMiB, r.netMbps];
}

export function classIndex(c: WorkloadClass): number {
  return c === 'compute' ? 0 : c === 'memory' ? 1 : 2;
}

function ratio(a: number, b: number): number {
  return b > 0 ? Math.min(1, a / b) : 0;
}

/** Workload class index (0 compute, 1 memory, 2 io) of a demand on node i, without allocating (see classify()). */
function classIndexOn(r: Resources, cap: readonly Float64Array[], i: number): number {
  const cd = Math.max(ratio(r.cpuMilli, (cap[0] as Float64Array)[i] as number), ratio(r.gpuMilli, (cap[1] as Float64Array)[i] as number));
  const mu = ratio(r.memMiB, (cap[2] as Float64Array)[i] as number);
  const ni = ratio(r.netMbps, (cap[3] as Float64Array)[i] as number);
  return cd >= mu && cd >= ni ? 0 : mu >= ni ? 1 : 2;
}

export class TenantScratch {
  /** Allocation by dimension index, updated by reservations in this cycle. */
  readonly alloc: Float64Array;
  /** Weighted, demand-capped fair dominant share, when a queue plugin computed it (else NaN). */
  fairShare = Number.NaN;

  /** Held outside its jobs (TenantUsage.held), by dimension: in its shares, not in `alloc` (which its cap limits). */
  readonly held: Float64Array;

  constructor(
    readonly id: string,
    readonly tenant: Tenant,
    readonly usage: TenantUsage,
    private readonly total: readonly number[],
  ) {
    this.alloc = Float64Array.from(toVector(usage.allocated));
    this.held = Float64Array.from(usage.held ? toVector(usage.held) : [0, 0, 0, 0]);
  }

  /** Dominant share of the cluster's (non-down) capacity, holdings included. */
  dominantShare(): number {
    let s = 0;
    for (let d = 0; d < DIMS; d++) {
      const x = this.share(d);
      if (x > s) s = x;
    }
    return s;
  }

  /** Share of one dimension, holdings included. */
  share(d: number): number {
    const t = this.total[d] as number;
    return t > 0 ? ((this.alloc[d] as number) + (this.held[d] as number)) / t : 0;
  }
}

export interface CycleParams {
  /** Free-form per-profile parameters plugins read (priority weights, guard times). */
  readonly [key: string]: unknown;
}

/**
 * The nodes of a snapshot in typed-array form, with per-node class counts of the running tasks. A cycle builds one
 * from the snapshot, or takes the one the snapshot carries (`ClusterSnapshot.table`), which its owner (the control
 * reducer) keeps up to date incrementally so a cycle does not pay O(nodes + running) object work. A cycle never
 * writes to it: it copies `free` and `classCount` into its scratch state.
 */
export class NodeTable {
  readonly n: number;
  readonly indexById = new Map<string, number>();
  readonly status: Uint8Array;
  readonly cap: Float64Array[] = [];
  /** max(0, capacity − allocated) */
  readonly free: Float64Array[] = [];
  readonly alloc: Float64Array[] = [];
  /** Largest capacity of any node per dimension (down nodes included: they may come back). */
  readonly maxCap: number[] = [0, 0, 0, 0];
  /** Total capacity of the nodes that are not down, per dimension (the denominator of shares). */
  readonly total: number[] = [0, 0, 0, 0];
  readonly datasets: (ReadonlySet<string> | undefined)[];
  readonly headroom: (readonly number[] | undefined)[];
  /** classCount[c][node]: running tasks of workload class c on the node (for interference). */
  readonly classCount: Int32Array[] = [];
  /** A node whose capacity is the largest in every dimension, when one exists (homogeneous clusters): then a task
   * fits on some empty node exactly when it fits on this one. -1 otherwise. */
  readonly dominantNode: number;

  constructor(nodes: readonly NodeSnapshot[], running: readonly RunningJob[]) {
    const n = nodes.length;
    this.n = n;
    this.status = new Uint8Array(n);
    for (let d = 0; d < DIMS; d++) {
      this.cap.push(new Float64Array(n));
      this.free.push(new Float64Array(n));
      this.alloc.push(new Float64Array(n));
    }
    for (let c = 0; c < WORKLOAD_CLASSES.length; c++) this.classCount.push(new Int32Array(n));
    this.datasets = new Array<ReadonlySet<string> | undefined>(n);
    this.headroom = new Array<readonly number[] | undefined>(n);
    for (let i = 0; i < n; i++) {
      const node = nodes[i] as NodeSnapshot;
      this.indexById.set(node.id, i);
      this.status[i] = node.status === 'ready' ? STATUS_READY : node.status === 'draining' ? STATUS_DRAINING : STATUS_DOWN;
      const c = toVector(node.capacity);
      const a = toVector(node.allocated);
      for (let d = 0; d < DIMS; d++) {
        (this.cap[d] as Float64Array)[i] = c[d] as number;
        (this.alloc[d] as Float64Array)[i] = a[d] as number;
        (this.free[d] as Float64Array)[i] = Math.max(0, (c[d] as number) - (a[d] as number));
        if ((c[d] as number) > (this.maxCap[d] as number)) this.maxCap[d] = c[d] as number;
        if (node.status !== 'down') this.total[d] = (this.total[d] as number) + (c[d] as number);
      }
      if (node.cachedDatasets && node.cachedDatasets.length > 0) this.datasets[i] = new Set(node.cachedDatasets);
      if (node.forecastHeadroom) this.headroom[i] = toVector(node.forecastHeadroom);
    }
    let dominant = -1;
    for (let i = 0; i < n && dominant < 0; i++) {
      let all = true;
      for (let d = 0; d < DIMS && all; d++) if (((this.cap[d] as Float64Array)[i] as number) < (this.maxCap[d] as number)) all = false;
      if (all) dominant = i;
    }
    this.dominantNode = dominant;
    for (const r of running) {
      const demand = r.demand ?? r.spec.request;
      for (const nodeId of r.nodeIds) {
        const i = this.indexById.get(nodeId);
        if (i === undefined) continue;
        (this.classCount[classIndexOn(demand, this.cap, i)] as Int32Array)[i]! += 1;
      }
    }
  }

  /** Workload class index of a task's demand on node i (what classCount counts). */
  classIndexOn(demand: Resources, node: number): number {
    return classIndexOn(demand, this.cap, node);
  }

  /** Owner's incremental update: a task with this request and class arrives (sign 1) or leaves (−1) node i. */
  applyTask(node: number, request: Resources, cls: number, sign: 1 | -1): void {
    const r = toVector(request);
    for (let d = 0; d < DIMS; d++) {
      const a = this.alloc[d] as Float64Array;
      a[node] = (a[node] as number) + sign * (r[d] as number);
      (this.free[d] as Float64Array)[node] = Math.max(0, ((this.cap[d] as Float64Array)[node] as number) - (a[node] as number));
    }
    (this.classCount[cls] as Int32Array)[node]! += sign;
  }

  /** Owner's incremental update: a running task changes class (its measured demand moved). */
  moveClass(node: number, from: number, to: number): void {
    if (from === to) return;
    (this.classCount[from] as Int32Array)[node]! -= 1;
    (this.classCount[to] as Int32Array)[node]! += 1;
  }
}

export class CycleState {
  readonly nodeCount: number;
  readonly nodes: readonly NodeSnapshot[];
  readonly nodeIndexById: ReadonlyMap<string, number>;
  readonly status: Uint8Array;
  readonly cap: readonly Float64Array[];
  /** Scratch copy: reservations in this cycle write here. */
  readonly free: Float64Array[];
  readonly maxCap: readonly number[];
  readonly total: readonly number[];
  /** Free capacity left on ready nodes, per dimension, kept up to date by reservations. */
  readonly freeTotal: number[] = [0, 0, 0, 0];
  readonly datasets: readonly (ReadonlySet<string> | undefined)[];
  readonly headroom: readonly (readonly number[] | undefined)[];
  /** Scratch copy of classCount[c][node]: running tasks of workload class c on the node (for interference). */
  readonly classCount: Int32Array[];
  readonly tenants = new Map<string, TenantScratch>();
  index: NodeIndex | null = null;
  readonly dominantNode: number;
  /** Scratch values plugins share within a cycle (e.g. a fairness computation done once). */
  readonly memo = new Map<string, unknown>();
  /** reservedBy[node] = id of the starving job the node is held for (undefined: free to all). */
  readonly reservedBy: (string | undefined)[];
  /** Per held node: the holder's estimated start (ms; Infinity unknown), allocated on the first hold. */
  private shadowMs: Float64Array | undefined;
  /** Per dimension and held node: capacity left at the holder's estimated start beyond the holder's task. */
  private spare: Float64Array[] | undefined;

  constructor(
    readonly snapshot: ClusterSnapshot,
    readonly now: number,
    readonly rng: Rng,
    readonly params: CycleParams,
  ) {
    const table = snapshot.table ?? new NodeTable(snapshot.nodes, snapshot.running);
    assert(table.n === snapshot.nodes.length, 'snapshot.table must describe snapshot.nodes');
    this.nodeCount = table.n;
    this.nodes = snapshot.nodes;
    this.nodeIndexById = table.indexById;
    this.status = table.status;
    this.cap = table.cap;
    this.free = table.free.map((f) => f.slice());
    this.maxCap = table.maxCap;
    this.total = table.total;
    this.datasets = table.datasets;
    this.headroom = table.headroom;
    this.classCount = table.classCount.map((c) => c.slice());
    this.dominantNode = table.dominantNode;
    for (let d = 0; d < DIMS; d++) {
      const f = this.free[d] as Float64Array;
      let sum = 0;
      for (let i = 0; i < this.nodeCount; i++) if (this.status[i] === STATUS_READY) sum += f[i] as number;
      this.freeTotal[d] = sum;
    }
    for (const [id, usage] of snapshot.tenants) this.tenants.set(id, new TenantScratch(id, usage.tenant, usage, this.total));
    this.reservedBy = new Array<string | undefined>(this.nodeCount);
  }

  /** Nodes that cache a dataset, in snapshot order (built once per cycle). */
  datasetHolders(ref: string): readonly number[] {
    if (!this.holders) {
      this.holders = new Map();
      for (let i = 0; i < this.nodeCount; i++) {
        const ds = this.datasets[i];
        if (!ds) continue;
        for (const r of ds) {
          let list = this.holders.get(r);
          if (!list) this.holders.set(r, (list = []));
          list.push(i);
        }
      }
    }
    return this.holders.get(ref) ?? [];
  }

  private holders: Map<string, number[]> | undefined;

  /** Workload class of a request against the largest node (compute-, memory- or I/O-bound). */
  classOf(req: readonly number[]): WorkloadClass {
    const m = this.maxCap;
    const cd = Math.max(ratio(req[0] as number, m[0] as number), ratio(req[1] as number, m[1] as number));
    const mu = ratio(req[2] as number, m[2] as number);
    const ni = ratio(req[3] as number, m[3] as number);
    return classify({ mu, cd, ni });
  }

  /** Builds the capacity index on first use (profiles with an exhaustive search never pay for it). */
  ensureIndex(): NodeIndex {
    if (!this.index) this.index = new NodeIndex(DIMS, this.nodeCount, this.maxCap, this.free);
    return this.index;
  }

  fits(task: TaskView, node: number): boolean {
    const req = task.req;
    for (let d = 0; d < DIMS; d++) if ((req[d] as number) > ((this.free[d] as Float64Array)[node] as number)) return false;
    return true;
  }

  reserve(task: TaskView, node: number): void {
    this.apply(task, node, 1);
  }

  /** Holds a node for a starving job (backfill.ts): others may use it only as `backfillAllowed` says. */
  hold(node: number, jobId: string, shadowMs: number, spare: readonly number[]): void {
    if (!this.shadowMs) {
      this.shadowMs = new Float64Array(this.nodeCount);
      this.spare = [];
      for (let d = 0; d < DIMS; d++) this.spare.push(new Float64Array(this.nodeCount));
    }
    this.reservedBy[node] = jobId;
    this.shadowMs[node] = shadowMs;
    for (let d = 0; d < DIMS; d++) ((this.spare as Float64Array[])[d] as Float64Array)[node] = spare[d] as number;
  }

  /** The estimated start of the job holding the node (undefined when not held). */
  heldUntil(node: number): number | undefined {
    return this.reservedBy[node] === undefined ? undefined : (this.shadowMs as Float64Array)[node];
  }

  /** Ends before the holder's estimated start: it can never delay the holder. */
  private endsBeforeShadow(task: TaskView, node: number): boolean {
    const dur = task.spec.expectedDurationMs;
    const shadow = (this.shadowMs as Float64Array)[node] as number;
    return dur !== undefined && dur >= 0 && shadow !== Infinity && this.now + dur <= shadow;
  }

  /**
   * May `task` (not the holder) use held node `node`? Only a job with an expected duration (never one without):
   * when it ends before the holder's estimated start, or when the holder would still fit there at that time with it.
   */
  backfillAllowed(task: TaskView, node: number): boolean {
    if (task.spec.expectedDurationMs === undefined || this.shadowMs === undefined) return false;
    if (this.endsBeforeShadow(task, node)) return true;
    const spare = this.spare as Float64Array[];
    for (let d = 0; d < DIMS; d++) if ((task.req[d] as number) > ((spare[d] as Float64Array)[node] as number)) return false;
    return true;
  }

  unreserve(task: TaskView, node: number): void {
    this.apply(task, node, -1);
  }

  private apply(task: TaskView, node: number, sign: 1 | -1): void {
    const req = task.req;
    for (let d = 0; d < DIMS; d++) {
      const r = req[d] as number;
      if (r === 0) continue;
      const f = this.free[d] as Float64Array;
      f[node] = (f[node] as number) - sign * r;
      this.freeTotal[d] = (this.freeTotal[d] as number) - sign * r;
      if (this.index) this.index.update(d, node, f[node] as number);
      if (task.tenant) task.tenant.alloc[d] = (task.tenant.alloc[d] as number) + sign * r;
    }
    (this.classCount[classIndex(task.cls)] as Int32Array)[node]! += sign;
    // A backfilled task that runs past the holder's estimated start uses up the spare capacity at that time.
    const owner = this.reservedBy[node];
    if (owner !== undefined && owner !== task.spec.id && !this.endsBeforeShadow(task, node)) {
      const spare = this.spare as Float64Array[];
      for (let d = 0; d < DIMS; d++) (spare[d] as Float64Array)[node] = ((spare[d] as Float64Array)[node] as number) - sign * (req[d] as number);
    }
  }
}
