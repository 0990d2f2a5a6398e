// `npm run bench -- scheduler [--json] [--quick]`: one scheduling cycle of the full Fairway profile on a synthetic
// cluster — 10,000 pending jobs on 1,000 nodes and 100,000 on 10,000 nodes — reporting placements/s and cycle time,
// and the quality cost of the capacity-index search against the exhaustive scan (same jobs, same cluster): how many
// jobs each placed, and the stranded capacity (mean normalised free capacity left on the nodes in use).
// Targets (issue 2): ≥ 50,000 placements/s at 1,000 nodes, ≥ 20,000/s at 10,000 nodes; < 1 GiB at 10,000 nodes.
import type { JobSpec } from '../src/core/domain/job.ts';
import type { Tenant } from '../src/core/domain/tenant.ts';
import { fairwayProfile, resolveProfile } from '../src/core/scheduler/profiles.ts';
import { runCycle } from '../src/core/scheduler/schedule.ts';
import type { ClusterSnapshot, NodeSnapshot, PendingJob, TenantUsage } from '../src/core/scheduler/snapshot.ts';
import type { Plan } from '../src/core/domain/plan.ts';
import { createRng, type Rng } from '../src/core/util/rng.ts';

const ZERO = { cpuMilli: 0, gpuMilli: 0, memMiB: 0, netMbps: 0 };

function cluster(nodes: number, rng: Rng): ClusterSnapshot {
  const list: NodeSnapshot[] = [];
  for (let i = 0; i < nodes; i++) {
    list.push({
      id: `node-${String(i).padStart(5, '0')}`,
      capacity: { cpuMilli: 64_000, gpuMilli: 8000, memMiB: 512 * 1024, netMbps: 25_000 },
      allocated: ZERO,
      status: i % 97 === 0 ? 'draining' : 'ready',
      labels: { zone: `z${i % 4}`, gpu: i % 3 === 0 ? 'a100' : 'v100' },
      ...(rng.next() < 0.2 ? { cachedDatasets: [`ds-${rng.int(20)}@1`] } : {}),
    });
  }
  const tenants = new Map<string, TenantUsage>();
  const tiers = ['platinum', 'gold', 'silver', 'bronze'] as const;
  for (let t = 0; t < 20; t++) {
    const tenant: Tenant = { id: `t${t}`, weight: 1 + (t % 4), tier: tiers[t % 4] as Tenant['tier'], guaranteed: ZERO };
    tenants.set(tenant.id, { tenant, allocated: ZERO });
  }
  return { nodes: list, running: [], tenants };
}

/** About 0.7 GPU, 5 cores and 40 GiB per job on average: 10 jobs per node fill ~85% of the GPUs. */
function jobs(n: number, rng: Rng): PendingJob[] {
  const out: PendingJob[] = [];
  const classes = ['critical', 'high', 'normal', 'low'] as const;
  for (let i = 0; i < n; i++) {
    const r = rng.next();
    const gpuMilli = r < 0.3 ? 0 : r < 0.55 ? 500 : r < 0.85 ? 1000 : r < 0.97 ? 2000 : 4000;
    const spec: JobSpec = {
      id: `job-${i}`,
      tenantId: `t${rng.int(20)}`,
      request: { cpuMilli: 1000 * (1 + rng.int(8)), gpuMilli, memMiB: 1024 * (8 + rng.int(64)), netMbps: rng.next() < 0.3 ? 1000 : 0 },
      gangSize: 1,
      priorityClass: classes[rng.int(4)] as JobSpec['priorityClass'],
      submittedAtMs: rng.int(3_600_000),
      preemptible: true,
      migratable: true,
      kind: 'train',
      ...(rng.next() < 0.3 ? { datasetRef: `ds-${rng.int(20)}@1` } : {}),
      ...(rng.next() < 0.05 ? { nodeSelector: { gpu: 'a100' } } : {}),
    };
    out.push({ spec, postponements: rng.int(3) });
  }
  return out;
}

/** Mean normalised free capacity (over dimensions) on the nodes that got work: lower is tighter packing. */
function stranded(snapshot: ClusterSnapshot, plan: Plan, pending: readonly PendingJob[]): number {
  const byId = new Map(pending.map((j) => [j.spec.id, j.spec]));
  const used = new Map<string, number[]>();
  for (const p of plan.placements) {
    const r = byId.get(p.jobId)!.request;
    for (const n of p.nodeIds) {
      const u = used.get(n) ?? [0, 0, 0, 0];
      u[0]! += r.cpuMilli;
      u[1]! += r.gpuMilli;
      u[2]! += r.memMiB;
      u[3]! += r.netMbps;
      used.set(n, u);
    }
  }
  let sum = 0;
  for (const node of snapshot.nodes) {
    const u = used.get(node.id);
    if (!u) continue;
    const c = [node.capacity.cpuMilli, node.capacity.gpuMilli, node.capacity.memMiB, node.capacity.netMbps];
    let w = 0;
    for (let d = 0; d < 4; d++) w += (c[d]! - u[d]!) / c[d]!;
    sum += w / 4;
  }
  return used.size === 0 ? 0 : sum / used.size;
}

interface Result {
  nodes: number;
  pending: number;
  search: string;
  placed: number;
  placementsPerSec: number;
  cycleMs: number;
  nodesVisitedPerJob: number;
  strandedCapacity: number;
  heapMiB: number;
}

export function measure(nodes: number, pending: number, indexed: boolean, repeats: number): Result {
  const rng = createRng(nodes * 7 + pending);
  const snapshot = cluster(nodes, rng);
  const list = jobs(pending, rng);
  const profile = resolveProfile(fairwayProfile({ indexed }));
  let best = Number.POSITIVE_INFINITY;
  let last: ReturnType<typeof runCycle> | undefined;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    last = runCycle(snapshot, list, profile, 3_600_000, createRng(1));
    best = Math.min(best, performance.now() - t0);
  }
  const plan = last!.plan;
  return {
    nodes,
    pending,
    search: indexed ? 'indexed' : 'exhaustive',
    placed: plan.placements.length,
    placementsPerSec: Math.round((plan.placements.length / best) * 1000),
    cycleMs: Math.round(best * 10) / 10,
    nodesVisitedPerJob: Math.round((last!.nodesVisited / pending) * 10) / 10,
    strandedCapacity: Math.round(stranded(snapshot, plan, list) * 10_000) / 10_000,
    heapMiB: Math.round(process.memoryUsage().rss / 1048576),
  };
}

export async function run(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const quick = args.includes('--quick');
  const sizes: [number, number][] = quick ? [[1000, 10_000]] : [[1000, 10_000], [10_000, 100_000]];
  const results: Result[] = [];
  for (const [nodes, pending] of sizes) {
    results.push(measure(nodes, pending, true, nodes >= 10_000 ? 2 : 5));
  }
  // Quality and speed of the exhaustive scan on the same inputs (the 10,000-node scan is slow: measured once).
  const baseline: Result[] = [];
  for (const [nodes, pending] of sizes) baseline.push(measure(nodes, pending, false, 1));
  const rows = results.map((r, i) => {
    const b = baseline[i]!;
    return { ...r, exhaustive: { placed: b.placed, placementsPerSec: b.placementsPerSec, cycleMs: b.cycleMs, strandedCapacity: b.strandedCapacity }, qualityCost: { placedDelta: r.placed - b.placed, strandedDelta: Math.round((r.strandedCapacity - b.strandedCapacity) * 10_000) / 10_000 } };
  });
  if (json) {
    console.log(JSON.stringify({ bench: 'scheduler', profile: 'fairway', results: rows }));
    return;
  }
  console.log('scheduler: one cycle, full fairway profile (indexed search vs exhaustive scan on the same inputs)');
  console.table(rows.map((r) => ({ nodes: r.nodes, pending: r.pending, placed: r.placed, 'placements/s': r.placementsPerSec, cycleMs: r.cycleMs, 'visits/job': r.nodesVisitedPerJob, stranded: r.strandedCapacity, 'exh placed': r.exhaustive.placed, 'exh placements/s': r.exhaustive.placementsPerSec, 'exh stranded': r.exhaustive.strandedCapacity, rssMiB: r.heapMiB })));
}
