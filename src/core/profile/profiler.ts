// Workload profiler: a per-job demand signature from telemetry samples, smoothed by an exponentially weighted
// moving average (EWMA) — s ← s + α·(x − s), the first sample taken as is.
// Without telemetry the signature is the request; dimensions the request leaves at zero (typically network) are
// filled from the tenant's history (EWMA of what its finished jobs used). The history also keeps, per tenant, the
// ratio used ÷ requested, which the API can report ("your jobs use 40% of the memory they ask for").
import type { TelemetrySample } from '../domain/events.ts';
import type { JobSpec } from '../domain/job.ts';
import { DIMENSIONS, type Dimension, type Resources } from '../domain/resources.ts';
import { InvalidInputError } from '../util/errors.ts';

export type SignatureSource = 'telemetry' | 'request+history' | 'request';

export interface DemandSignature {
  /** Per-task demand estimate (integers, like every resource vector). */
  readonly demand: Resources;
  readonly source: SignatureSource;
  readonly samples: number;
}

interface Ewma {
  v: [number, number, number, number];
  n: number;
  lastAtMs: number;
}

function toArr(r: Resources): [number, number, number, number] {
  return [r.cpuMilli, r.gpuMilli, r.memMiB, r.netMbps];
}

function toRes(v: readonly number[]): Resources {
  return { cpuMilli: Math.round(v[0] as number), gpuMilli: Math.round(v[1] as number), memMiB: Math.round(v[2] as number), netMbps: Math.round(v[3] as number) };
}

export interface ProfilerState {
  readonly alpha: number;
  readonly jobs: Readonly<Record<string, { v: number[]; n: number; lastAtMs: number }>>;
  readonly tenants: Readonly<Record<string, { used: number[]; ratio: number[]; n: number }>>;
}

export class Profiler {
  private readonly jobs = new Map<string, Ewma>();
  private readonly nodes = new Map<string, Ewma>();
  /** Per tenant: EWMA of absolute per-task use and of use ÷ request per dimension (NaN where never requested). */
  private readonly history = new Map<string, { used: number[]; ratio: number[]; n: number }>();

  constructor(readonly alpha = 0.3) {
    if (!(alpha > 0 && alpha <= 1)) throw new InvalidInputError(`profiler alpha must be in (0, 1], got ${alpha}`, { field: 'alpha' });
  }

  private fold(map: Map<string, Ewma>, key: string, sample: TelemetrySample): void {
    const x = toArr(sample.used);
    const cur = map.get(key);
    if (!cur) {
      map.set(key, { v: x, n: 1, lastAtMs: sample.atMs });
      return;
    }
    if (sample.atMs < cur.lastAtMs) return; // out-of-order sample: the newer state already counts more
    for (let d = 0; d < 4; d++) cur.v[d] = (cur.v[d] as number) + this.alpha * ((x[d] as number) - (cur.v[d] as number));
    cur.n++;
    cur.lastAtMs = sample.atMs;
  }

  observe(sample: TelemetrySample): void {
    for (const d of DIMENSIONS) {
      const v = sample.used[d];
      if (!Number.isFinite(v) || v < 0) throw new InvalidInputError(`telemetry.used.${d} must be a non-negative finite number, got ${v}`, { field: `telemetry.used.${d}` });
    }
    if (sample.jobId !== undefined) this.fold(this.jobs, sample.jobId, sample);
    else this.fold(this.nodes, sample.nodeId, sample);
  }

  signature(spec: JobSpec): DemandSignature {
    const j = this.jobs.get(spec.id);
    if (j) return { demand: toRes(j.v), source: 'telemetry', samples: j.n };
    const h = this.history.get(spec.tenantId);
    const req = toArr(spec.request);
    if (h && req.some((r, d) => r === 0 && (h.used[d] as number) > 0)) {
      const v = req.map((r, d) => (r === 0 ? (h.used[d] as number) : r));
      return { demand: toRes(v), source: 'request+history', samples: 0 };
    }
    return { demand: spec.request, source: 'request', samples: 0 };
  }

  /** Smoothed whole-node use, when sampled. */
  nodeUse(nodeId: string): Resources | undefined {
    const n = this.nodes.get(nodeId);
    return n ? toRes(n.v) : undefined;
  }

  /** Folds a finished job's signature into its tenant's history and forgets the job. */
  finish(spec: JobSpec): void {
    const j = this.jobs.get(spec.id);
    this.jobs.delete(spec.id);
    if (!j) return;
    const req = toArr(spec.request);
    const ratio = j.v.map((u, d) => ((req[d] as number) > 0 ? u / (req[d] as number) : Number.NaN));
    const h = this.history.get(spec.tenantId);
    if (!h) {
      this.history.set(spec.tenantId, { used: [...j.v], ratio, n: 1 });
      return;
    }
    for (let d = 0; d < 4; d++) {
      h.used[d] = (h.used[d] as number) + this.alpha * ((j.v[d] as number) - (h.used[d] as number));
      const r = ratio[d] as number;
      if (!Number.isNaN(r)) h.ratio[d] = Number.isNaN(h.ratio[d] as number) ? r : (h.ratio[d] as number) + this.alpha * (r - (h.ratio[d] as number));
    }
    h.n++;
  }

  forget(jobId: string): void {
    this.jobs.delete(jobId);
  }

  /** Tenant's used ÷ requested per dimension (NaN where unknown). */
  tenantUseRatio(tenantId: string): Record<Dimension, number> | undefined {
    const h = this.history.get(tenantId);
    if (!h) return undefined;
    return { cpuMilli: h.ratio[0] as number, gpuMilli: h.ratio[1] as number, memMiB: h.ratio[2] as number, netMbps: h.ratio[3] as number };
  }

  /** A plain, comparable copy (for replay checks and persistence). */
  export(): ProfilerState {
    const jobs: Record<string, { v: number[]; n: number; lastAtMs: number }> = {};
    for (const [k, v] of [...this.jobs].sort(([a], [b]) => (a < b ? -1 : 1))) jobs[k] = { v: [...v.v], n: v.n, lastAtMs: v.lastAtMs };
    const tenants: Record<string, { used: number[]; ratio: number[]; n: number }> = {};
    for (const [k, v] of [...this.history].sort(([a], [b]) => (a < b ? -1 : 1))) tenants[k] = { used: [...v.used], ratio: [...v.ratio], n: v.n };
    return { alpha: this.alpha, jobs, tenants };
  }
}
