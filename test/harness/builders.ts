// Test builders (DESIGN.md §5): makeJob().gpus(2).tenant('a').build(), makeNode('n1').gpus(8).build(), …
// Defaults are small and valid so a test states only what matters to it.
import type { JobSpec, PriorityClass } from '../../src/core/domain/job.ts';
import type { NodeStatus } from '../../src/core/domain/node.ts';
import { add, resources, ZERO, type Resources } from '../../src/core/domain/resources.ts';
import type { Tenant, Tier } from '../../src/core/domain/tenant.ts';
import type { ClusterSnapshot, NodeSnapshot, PendingJob, RunningJob, TenantUsage } from '../../src/core/scheduler/snapshot.ts';

let jobSeq = 0;

export class JobBuilder {
  private spec: { -readonly [K in keyof JobSpec]: JobSpec[K] };
  constructor(id?: string) {
    this.spec = {
      id: id ?? `job-${++jobSeq}`,
      tenantId: 'a',
      request: resources({ cpuMilli: 1000, memMiB: 1024 }),
      gangSize: 1,
      priorityClass: 'normal',
      submittedAtMs: 0,
      preemptible: true,
      migratable: true,
      kind: 'train',
    };
  }
  id(id: string): this { this.spec.id = id; return this; }
  tenant(t: string): this { this.spec.tenantId = t; return this; }
  request(r: Partial<Resources>): this { this.spec.request = { ...this.spec.request, ...r }; return this; }
  cpu(cores: number): this { return this.request({ cpuMilli: Math.round(cores * 1000) }); }
  gpus(n: number): this { return this.request({ gpuMilli: Math.round(n * 1000) }); }
  memMiB(m: number): this { return this.request({ memMiB: m }); }
  netMbps(m: number): this { return this.request({ netMbps: m }); }
  gang(n: number): this { this.spec.gangSize = n; return this; }
  priority(p: PriorityClass): this { this.spec.priorityClass = p; return this; }
  submittedAt(ms: number): this { this.spec.submittedAtMs = ms; return this; }
  deadline(ms: number): this { this.spec.deadlineMs = ms; return this; }
  duration(ms: number): this { this.spec.expectedDurationMs = ms; return this; }
  dataset(ref: string): this { this.spec.datasetRef = ref; return this; }
  selector(sel: Record<string, string>): this { this.spec.nodeSelector = sel; return this; }
  notPreemptible(): this { this.spec.preemptible = false; return this; }
  build(): JobSpec { return { ...this.spec }; }
  pending(extra: Omit<PendingJob, 'spec'> = {}): PendingJob { return { spec: this.build(), ...extra }; }
}

export const makeJob = (id?: string): JobBuilder => new JobBuilder(id);

export class NodeBuilder {
  private node: { -readonly [K in keyof NodeSnapshot]: NodeSnapshot[K] };
  constructor(id: string) {
    this.node = { id, capacity: resources({ cpuMilli: 32_000, memMiB: 256 * 1024, gpuMilli: 8000, netMbps: 10_000 }), allocated: ZERO, status: 'ready', labels: {} };
  }
  capacity(r: Partial<Resources>): this { this.node.capacity = resources(r); return this; }
  gpus(n: number): this { this.node.capacity = { ...this.node.capacity, gpuMilli: n * 1000 }; return this; }
  cpu(cores: number): this { this.node.capacity = { ...this.node.capacity, cpuMilli: cores * 1000 }; return this; }
  memMiB(m: number): this { this.node.capacity = { ...this.node.capacity, memMiB: m }; return this; }
  allocated(r: Partial<Resources>): this { this.node.allocated = resources(r); return this; }
  status(s: NodeStatus): this { this.node.status = s; return this; }
  labels(l: Record<string, string>): this { this.node.labels = l; return this; }
  datasets(...refs: string[]): this { this.node.cachedDatasets = refs; return this; }
  headroom(r: Partial<Resources>): this { this.node.forecastHeadroom = resources(r); return this; }
  build(): NodeSnapshot { return { ...this.node }; }
}

export const makeNode = (id: string): NodeBuilder => new NodeBuilder(id);

export class TenantBuilder {
  private t: { -readonly [K in keyof Tenant]: Tenant[K] };
  constructor(id: string) {
    this.t = { id, weight: 1, tier: 'silver', guaranteed: ZERO };
  }
  weight(w: number): this { this.t.weight = w; return this; }
  tier(t: Tier): this { this.t.tier = t; return this; }
  guaranteed(r: Partial<Resources>): this { this.t.guaranteed = resources(r); return this; }
  cap(r: Partial<Resources>): this { this.t.cap = resources(r); return this; }
  build(): Tenant { return { ...this.t }; }
}

export const makeTenant = (id: string): TenantBuilder => new TenantBuilder(id);

/**
 * A consistent snapshot: node allocations and tenant usage are derived from the running jobs (plus any allocation a
 * node builder set explicitly).
 */
export function makeSnapshot(opts: {
  nodes: readonly NodeSnapshot[];
  tenants: readonly Tenant[];
  running?: readonly RunningJob[];
  usage?: Readonly<Record<string, Partial<Omit<TenantUsage, 'tenant' | 'allocated'>>>>;
}): ClusterSnapshot {
  const running = opts.running ?? [];
  const nodeAlloc = new Map<string, Resources>(opts.nodes.map((n) => [n.id, n.allocated]));
  const tenantAlloc = new Map<string, Resources>(opts.tenants.map((t) => [t.id, ZERO]));
  for (const r of running) {
    for (const id of r.nodeIds) nodeAlloc.set(id, add(nodeAlloc.get(id) ?? ZERO, r.spec.request));
    for (let k = 0; k < r.nodeIds.length; k++) tenantAlloc.set(r.spec.tenantId, add(tenantAlloc.get(r.spec.tenantId) ?? ZERO, r.spec.request));
  }
  return {
    nodes: opts.nodes.map((n) => ({ ...n, allocated: nodeAlloc.get(n.id) ?? ZERO })),
    running,
    tenants: new Map(opts.tenants.map((t) => [t.id, { tenant: t, allocated: tenantAlloc.get(t.id) ?? ZERO, ...opts.usage?.[t.id] }])),
  };
}
