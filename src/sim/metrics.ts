// Metrics of a simulated run, measured by the simulator (not by the policy under test): JCT and queueing delay
// (avg / median / p95 / max), makespan, CPU/GPU/memory utilisation allocated and used (time-weighted, exact
// between events), Jain's index raw and normalised over time and overall, finish-time fairness ρ and slowdown per
// tenant, preemptions, migrations, deadline misses. Completed-job figures are kept as compact numeric arrays.
import type { Resources } from '../core/domain/index.ts';
import { jainIndices, type TenantLoad } from './fairness-measure.ts';

export interface SeriesPoint {
  readonly tMs: number;
  readonly gpuAlloc: number;
  readonly cpuAlloc: number;
  readonly memAlloc: number;
  readonly gpuUsed: number;
  readonly cpuUsed: number;
  readonly memUsed: number;
  readonly jainRaw: number;
  readonly jainNormalised: number;
  readonly activeTenants: number;
  readonly running: number;
  readonly pending: number;
}

export interface TenantResult {
  readonly tenant: string;
  readonly weight: number;
  readonly jobs: number;
  readonly avgJctS: number;
  /** Mean JCT ÷ production run time. */
  readonly slowdown: number;
  /** Finish-time fairness (Themis): Σ JCT ÷ Σ run time on the tenant's weighted slice of the cluster (a ratio of
   *  sums, so a few short jobs with long waits do not dominate; 1 = as fast as on its own slice). */
  readonly rho: number;
  /** Share of all GPU-time delivered that this tenant got. */
  readonly gpuTimeShare: number;
  /** Its weighted entitlement (weight ÷ Σ weights of tenants with jobs). */
  readonly fairShare: number;
}

export interface RunMetrics {
  readonly jobs: number;
  readonly unfinished: number;
  readonly avgJctS: number;
  readonly medianJctS: number;
  readonly p95JctS: number;
  readonly avgWaitS: number;
  readonly medianWaitS: number;
  readonly p95WaitS: number;
  readonly maxWaitS: number;
  readonly makespanS: number;
  readonly gpuUtil: number;
  readonly cpuUtil: number;
  readonly memUtil: number;
  readonly gpuUsedUtil: number;
  readonly cpuUsedUtil: number;
  readonly memUsedUtil: number;
  readonly jainRaw: number;
  readonly jainNormalised: number;
  readonly rhoMax: number;
  readonly preemptions: number;
  readonly migrations: number;
  /** Migrations per hour of makespan. */
  readonly migrationsPerH: number;
  /** Node-hours spent with used GPU load above the high watermark (sim-cluster.ts, exact). */
  readonly overloadedNodeH: number;
  readonly deadlineMisses: number;
  readonly tenants: readonly TenantResult[];
}

interface TenantAcc {
  weight: number;
  /** Current allocation and pending demand (whole gang). */
  alloc: { cpuMilli: number; gpuMilli: number; memMiB: number };
  pending: { cpuMilli: number; gpuMilli: number; memMiB: number };
  gpuMsDelivered: number;
  jobs: number;
  jctSumMs: number;
  slowdownSum: number;
  idealSumMs: number;
}

class Floats {
  private buf = new Float64Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = v;
  }
  sorted(): Float64Array {
    return this.buf.slice(0, this.length).sort();
  }
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] ?? 0;
}

export class MetricsCollector {
  private readonly capacity: Resources;
  private readonly tenants = new Map<string, TenantAcc>();
  private readonly jct = new Floats();
  private readonly wait = new Floats();
  private alloc = { cpuMilli: 0, gpuMilli: 0, memMiB: 0 };
  private used = { cpuMilli: 0, gpuMilli: 0, memMiB: 0 };
  private readonly allocInt = { cpuMilli: 0, gpuMilli: 0, memMiB: 0 };
  private readonly usedInt = { cpuMilli: 0, gpuMilli: 0, memMiB: 0 };
  private lastMs: number | undefined;
  private firstSubmitMs: number | undefined;
  private lastFinishMs = 0;
  private maxWaitMs = 0;
  private jainRawSum = 0;
  private jainNormSum = 0;
  private jainSamples = 0;
  readonly series: SeriesPoint[] = [];
  running = 0;
  pending = 0;
  preemptions = 0;
  migrations = 0;
  /** Set by the simulator from the cluster model before summary(). */
  overloadedNodeMs = 0;
  deadlineMisses = 0;

  constructor(capacity: Resources, private readonly maxSeries = 5000) {
    this.capacity = capacity;
  }

  private tenant(id: string, weight = 1): TenantAcc {
    let t = this.tenants.get(id);
    if (!t) {
      t = { weight, alloc: { cpuMilli: 0, gpuMilli: 0, memMiB: 0 }, pending: { cpuMilli: 0, gpuMilli: 0, memMiB: 0 }, gpuMsDelivered: 0, jobs: 0, jctSumMs: 0, slowdownSum: 0, idealSumMs: 0 };
      this.tenants.set(id, t);
    }
    return t;
  }

  /** Accumulates utilisation up to `nowMs` (call before every change). */
  advance(nowMs: number): void {
    if (this.lastMs !== undefined && nowMs > this.lastMs) {
      const dt = nowMs - this.lastMs;
      this.allocInt.cpuMilli += this.alloc.cpuMilli * dt;
      this.allocInt.gpuMilli += this.alloc.gpuMilli * dt;
      this.allocInt.memMiB += this.alloc.memMiB * dt;
      this.usedInt.cpuMilli += this.used.cpuMilli * dt;
      this.usedInt.gpuMilli += this.used.gpuMilli * dt;
      this.usedInt.memMiB += this.used.memMiB * dt;
      for (const t of this.tenants.values()) t.gpuMsDelivered += t.alloc.gpuMilli * dt;
    }
    if (this.lastMs === undefined || nowMs > this.lastMs) this.lastMs = nowMs;
  }

  registerTenant(id: string, weight: number): void {
    this.tenant(id, weight).weight = weight;
  }

  submitted(tenant: string, total: Resources, nowMs: number): void {
    this.advance(nowMs);
    if (this.firstSubmitMs === undefined) this.firstSubmitMs = nowMs;
    const t = this.tenant(tenant);
    t.pending.cpuMilli += total.cpuMilli;
    t.pending.gpuMilli += total.gpuMilli;
    t.pending.memMiB += total.memMiB;
    this.pending += 1;
  }

  /** A job starts holding `total` (whole gang); `used` is what it uses on average. `firstWaitMs` on its first start. */
  started(tenant: string, total: Resources, used: Resources, nowMs: number, firstWaitMs: number | undefined): void {
    this.advance(nowMs);
    const t = this.tenant(tenant);
    t.pending.cpuMilli -= total.cpuMilli;
    t.pending.gpuMilli -= total.gpuMilli;
    t.pending.memMiB -= total.memMiB;
    t.alloc.cpuMilli += total.cpuMilli;
    t.alloc.gpuMilli += total.gpuMilli;
    t.alloc.memMiB += total.memMiB;
    this.alloc.cpuMilli += total.cpuMilli;
    this.alloc.gpuMilli += total.gpuMilli;
    this.alloc.memMiB += total.memMiB;
    this.used.cpuMilli += used.cpuMilli;
    this.used.gpuMilli += used.gpuMilli;
    this.used.memMiB += used.memMiB;
    this.pending -= 1;
    this.running += 1;
    if (firstWaitMs !== undefined) {
      this.wait.push(firstWaitMs / 1000);
      this.maxWaitMs = Math.max(this.maxWaitMs, firstWaitMs);
    }
  }

  /** A job stops holding resources; `requeued` when it goes back to the queue (preempted). */
  stopped(tenant: string, total: Resources, used: Resources, nowMs: number, requeued: boolean): void {
    this.advance(nowMs);
    const t = this.tenant(tenant);
    t.alloc.cpuMilli -= total.cpuMilli;
    t.alloc.gpuMilli -= total.gpuMilli;
    t.alloc.memMiB -= total.memMiB;
    this.alloc.cpuMilli -= total.cpuMilli;
    this.alloc.gpuMilli -= total.gpuMilli;
    this.alloc.memMiB -= total.memMiB;
    this.used.cpuMilli -= used.cpuMilli;
    this.used.gpuMilli -= used.gpuMilli;
    this.used.memMiB -= used.memMiB;
    this.running -= 1;
    if (requeued) {
      t.pending.cpuMilli += total.cpuMilli;
      t.pending.gpuMilli += total.gpuMilli;
      t.pending.memMiB += total.memMiB;
      this.pending += 1;
    }
  }

  /** A queued job was cancelled before it ever ran again. */
  cancelledWhilePending(tenant: string, total: Resources, nowMs: number): void {
    this.advance(nowMs);
    const t = this.tenant(tenant);
    t.pending.cpuMilli -= total.cpuMilli;
    t.pending.gpuMilli -= total.gpuMilli;
    t.pending.memMiB -= total.memMiB;
    this.pending -= 1;
  }

  /** A job finished: `idealMs` is its run time on the tenant's weighted slice (for ρ). */
  finished(tenant: string, jctMs: number, durationMs: number, idealMs: number, nowMs: number, deadlineMs: number | undefined): void {
    const t = this.tenant(tenant);
    t.jobs += 1;
    t.jctSumMs += jctMs;
    t.slowdownSum += jctMs / Math.max(1000, durationMs);
    t.idealSumMs += Math.max(1000, idealMs);
    this.jct.push(jctMs / 1000);
    this.lastFinishMs = Math.max(this.lastFinishMs, nowMs);
    if (deadlineMs !== undefined && nowMs > deadlineMs) this.deadlineMisses += 1;
  }

  /** Records one point of the time series and of the Jain averages. */
  sample(nowMs: number): void {
    this.advance(nowMs);
    const cap = this.capacity;
    const share = (r: { cpuMilli: number; gpuMilli: number; memMiB: number }): number =>
      Math.max(cap.cpuMilli ? r.cpuMilli / cap.cpuMilli : 0, cap.gpuMilli ? r.gpuMilli / cap.gpuMilli : 0, cap.memMiB ? r.memMiB / cap.memMiB : 0);
    const loads: TenantLoad[] = [];
    for (const t of this.tenants.values()) {
      const demand = Math.min(1, share({ cpuMilli: t.alloc.cpuMilli + t.pending.cpuMilli, gpuMilli: t.alloc.gpuMilli + t.pending.gpuMilli, memMiB: t.alloc.memMiB + t.pending.memMiB }));
      loads.push({ weight: t.weight, share: share(t.alloc), demand });
    }
    const j = jainIndices(loads);
    if (j.active >= 2) {
      this.jainRawSum += j.raw;
      this.jainNormSum += j.normalised;
      this.jainSamples += 1;
    }
    if (this.series.length < this.maxSeries) {
      const frac = (a: number, c: number): number => (c > 0 ? a / c : 0);
      this.series.push({
        tMs: nowMs,
        gpuAlloc: frac(this.alloc.gpuMilli, cap.gpuMilli), cpuAlloc: frac(this.alloc.cpuMilli, cap.cpuMilli), memAlloc: frac(this.alloc.memMiB, cap.memMiB),
        gpuUsed: frac(this.used.gpuMilli, cap.gpuMilli), cpuUsed: frac(this.used.cpuMilli, cap.cpuMilli), memUsed: frac(this.used.memMiB, cap.memMiB),
        jainRaw: j.raw, jainNormalised: j.normalised, activeTenants: j.active, running: this.running, pending: this.pending,
      });
    }
  }

  /** Current allocated share of the cluster per dimension (for invariant checks). */
  allocatedNow(): { cpuMilli: number; gpuMilli: number; memMiB: number } {
    return { ...this.alloc };
  }

  summary(unfinished: number): RunMetrics {
    const jct = this.jct.sorted();
    const wait = this.wait.sorted();
    const mean = (a: Float64Array): number => (a.length === 0 ? 0 : a.reduce((s, x) => s + x, 0) / a.length);
    const spanMs = Math.max(0, this.lastFinishMs - (this.firstSubmitMs ?? 0));
    const util = (acc: number, cap: number): number => (spanMs > 0 && cap > 0 ? acc / (cap * spanMs) : 0);
    let gpuTotal = 0;
    let wsum = 0;
    for (const t of this.tenants.values()) {
      gpuTotal += t.gpuMsDelivered;
      if (t.jobs > 0) wsum += t.weight;
    }
    const tenants: TenantResult[] = [...this.tenants.entries()]
      .filter(([, t]) => t.jobs > 0)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([id, t]) => ({
        tenant: id, weight: t.weight, jobs: t.jobs,
        avgJctS: t.jctSumMs / t.jobs / 1000,
        slowdown: t.slowdownSum / t.jobs,
        rho: t.jctSumMs / t.idealSumMs,
        gpuTimeShare: gpuTotal > 0 ? t.gpuMsDelivered / gpuTotal : 0,
        fairShare: wsum > 0 ? t.weight / wsum : 0,
      }));
    return {
      jobs: jct.length, unfinished,
      avgJctS: mean(jct), medianJctS: quantile(jct, 0.5), p95JctS: quantile(jct, 0.95),
      avgWaitS: mean(wait), medianWaitS: quantile(wait, 0.5), p95WaitS: quantile(wait, 0.95), maxWaitS: this.maxWaitMs / 1000,
      makespanS: spanMs / 1000,
      gpuUtil: util(this.allocInt.gpuMilli, this.capacity.gpuMilli),
      cpuUtil: util(this.allocInt.cpuMilli, this.capacity.cpuMilli),
      memUtil: util(this.allocInt.memMiB, this.capacity.memMiB),
      gpuUsedUtil: util(this.usedInt.gpuMilli, this.capacity.gpuMilli),
      cpuUsedUtil: util(this.usedInt.cpuMilli, this.capacity.cpuMilli),
      memUsedUtil: util(this.usedInt.memMiB, this.capacity.memMiB),
      jainRaw: this.jainSamples > 0 ? this.jainRawSum / this.jainSamples : 1,
      jainNormalised: this.jainSamples > 0 ? this.jainNormSum / this.jainSamples : 1,
      rhoMax: tenants.reduce((m, t) => Math.max(m, t.rho), 0),
      preemptions: this.preemptions, migrations: this.migrations,
      migrationsPerH: spanMs > 0 ? this.migrations / (spanMs / 3_600_000) : 0,
      overloadedNodeH: this.overloadedNodeMs / 3_600_000,
      deadlineMisses: this.deadlineMisses,
      tenants,
    };
  }

  /** Completed JCTs in seconds, sorted (for CDF charts). */
  jctSorted(): Float64Array {
    return this.jct.sorted();
  }
}
