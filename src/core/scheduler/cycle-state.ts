// Per-cycle scratch state: the snapshot copied into typed arrays (free capacity per node and dimension, the
// capacity index, per-tenant allocation), updated as the cycle reserves nodes so later jobs see earlier placements.
// The snapshot itself is never mutated.
import { DIMENSIONS, type Resources } from '../domain/resources.ts';
import type { Tenant } from '../domain/tenant.ts';
import { classify, normalise, WORKLOAD_CLASSES, type WorkloadClass } from '../profile/resource-score.ts';
import type { Rng } from '../util/rng.ts';
import type { TaskView } from './framework.ts';
import { NodeIndex } from './node-index.ts';
import type { ClusterSnapshot, NodeSnapshot, TenantUsage } from './snapshot.ts';

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

export class TenantScratch {
  /** Allocation by dimension index, updated by reservations in this cycle. */
  readonly alloc: Float64Array;
  /** Weighted, demand-capped fair dominant share, when a queue plugin computed it (else NaN). */
  fairShare = Number.NaN;

  constructor(
    readonly id: string,
    readonly tenant: Tenant,
    readonly usage: TenantUsage,
    private readonly total: readonly number[],
  ) {
    this.alloc = Float64Array.from(toVector(usage.allocated));
  }

  /** Dominant share of the cluster's (non-down) capacity. */
  dominantShare(): number {
    let s = 0;
    for (let d = 0; d < DIMS; d++) {
      const t = this.total[d] as number;
      if (t > 0) {
        const x = (this.alloc[d] as number) / t;
        if (x > s) s = x;
      }
    }
    return s;
  }

  /** Share of one dimension. */
  share(d: number): number {
    const t = this.total[d] as number;
    return t > 0 ? (this.alloc[d] as number) / t : 0;
  }
}

export interface CycleParams {
  /** Free-form per-profile parameters plugins read (priority weights, guard times). */
  readonly [key: string]: unknown;
}

export class CycleState {
  readonly nodeCount: number;
  readonly nodes: readonly NodeSnapshot[];
  readonly nodeIndexById = new Map<string, number>();
  readonly status: Uint8Array;
  readonly cap: Float64Array[] = [];
  readonly free: Float64Array[] = [];
  /** Largest capacity of any node per dimension (down nodes included: they may come back). */
  readonly maxCap: number[] = [0, 0, 0, 0];
  /** Total capacity of the nodes that are not down, per dimension (the denominator of shares). */
  readonly total: number[] = [0, 0, 0, 0];
  readonly datasets: (ReadonlySet<string> | undefined)[];
  readonly headroom: (readonly number[] | undefined)[];
  /** classCount[c][node]: running tasks of workload class c on the node (for interference). */
  readonly classCount: Int32Array[] = [];
  readonly tenants = new Map<string, TenantScratch>();
  index: NodeIndex | null = null;
  /** Scratch values plugins share within a cycle (e.g. a fairness computation done once). */
  readonly memo = new Map<string, unknown>();

  constructor(
    readonly snapshot: ClusterSnapshot,
    readonly now: number,
    readonly rng: Rng,
    readonly params: CycleParams,
  ) {
    const nodes = snapshot.nodes;
    const n = nodes.length;
    this.nodeCount = n;
    this.nodes = nodes;
    this.status = new Uint8Array(n);
    for (let d = 0; d < DIMS; d++) {
      this.cap.push(new Float64Array(n));
      this.free.push(new Float64Array(n));
    }
    for (let c = 0; c < WORKLOAD_CLASSES.length; c++) this.classCount.push(new Int32Array(n));
    this.datasets = new Array<ReadonlySet<string> | undefined>(n);
    this.headroom = new Array<readonly number[] | undefined>(n);
    for (let i = 0; i < n; i++) {
      const node = nodes[i] as NodeSnapshot;
      this.nodeIndexById.set(node.id, i);
      this.status[i] = node.status === 'ready' ? STATUS_READY : node.status === 'draining' ? STATUS_DRAINING : STATUS_DOWN;
      const c = toVector(node.capacity);
      const a = toVector(node.allocated);
      for (let d = 0; d < DIMS; d++) {
        (this.cap[d] as Float64Array)[i] = c[d] as number;
        (this.free[d] as Float64Array)[i] = Math.max(0, (c[d] as number) - (a[d] as number));
        if ((c[d] as number) > (this.maxCap[d] as number)) this.maxCap[d] = c[d] as number;
        if (node.status !== 'down') this.total[d] = (this.total[d] as number) + (c[d] as number);
      }
      if (node.cachedDatasets && node.cachedDatasets.length > 0) this.datasets[i] = new Set(node.cachedDatasets);
      if (node.forecastHeadroom) this.headroom[i] = toVector(node.forecastHeadroom);
    }
    for (const r of snapshot.running) {
      const demand = r.demand ?? r.spec.request;
      for (const nodeId of r.nodeIds) {
        const i = this.nodeIndexById.get(nodeId);
        if (i === undefined) continue;
        const cls = classify(normalise(demand, (nodes[i] as NodeSnapshot).capacity));
        (this.classCount[classIndex(cls)] as Int32Array)[i]! += 1;
      }
    }
    for (const [id, usage] of snapshot.tenants) this.tenants.set(id, new TenantScratch(id, usage.tenant, usage, this.total));
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
      if (this.index) this.index.update(d, node, f[node] as number);
      if (task.tenant) task.tenant.alloc[d] = (task.tenant.alloc[d] as number) + sign * r;
    }
    (this.classCount[classIndex(task.cls)] as Int32Array)[node]! += sign;
  }
}
