// Synthetic workload for the seed paper's own experiment: tenants submitting CIFAR-10-like light jobs and
// ImageNet-like heavy jobs, with a configurable mix, arrival rate and skew between tenants. Deterministic by seed.
import type { JobSpec } from '../core/domain/index.ts';
import { InvalidInputError } from '../core/util/errors.ts';
import { createRng, type Rng } from '../core/util/rng.ts';
import type { SimJobInput } from './workload.ts';

export interface JobKindSpec {
  readonly gpus: number;
  readonly cpus: number;
  readonly memGiB: number;
  /** Median run time (log-normal, σ below). */
  readonly medianMinutes: number;
  readonly sigma: number;
  readonly dataset: string;
}

export interface SyntheticOptions {
  readonly seed: number;
  readonly tenants: number;
  /** Jobs per hour over all tenants (Poisson arrivals). */
  readonly jobsPerHour: number;
  readonly hours: number;
  /** Share of heavy jobs, 0..1. */
  readonly heavyShare: number;
  /** Zipf exponent of tenants' shares of arrivals: 0 = equal, 1 = tenant k gets ∝ 1/k. */
  readonly skew: number;
  /** Deadline = submit + factor × run time (0 = no deadlines). */
  readonly deadlineFactor: number;
  readonly light: JobKindSpec;
  readonly heavy: JobKindSpec;
}

/**
 * Defaults, sized for the 16 × 8-GPU `paper-16` cluster at ≈70% offered GPU load:
 * light ≈ a ResNet on CIFAR-10 (1 GPU, minutes to an hour), heavy ≈ a ResNet-50 on ImageNet over 4 GPUs (hours).
 * Offered load ≈ 12/h × (0.7 × 0.5 h × 1 GPU + 0.3 × 6 h × 4 GPUs) ≈ 90 GPUs of 128.
 */
export const PAPER_SCENARIO: SyntheticOptions = {
  seed: 1,
  tenants: 4,
  jobsPerHour: 12,
  hours: 24,
  heavyShare: 0.3,
  skew: 1,
  deadlineFactor: 4,
  light: { gpus: 1, cpus: 4, memGiB: 16, medianMinutes: 30, sigma: 0.6, dataset: 'cifar10@1' },
  heavy: { gpus: 4, cpus: 16, memGiB: 128, medianMinutes: 360, sigma: 0.5, dataset: 'imagenet@1' },
};

function normal(rng: Rng): number {
  const u = Math.max(1e-12, rng.next());
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function validate(o: SyntheticOptions): void {
  const bad = (field: string, why: string): never => {
    throw new InvalidInputError(`synthetic.${field} ${why}`, { field: `synthetic.${field}` });
  };
  if (!Number.isInteger(o.tenants) || o.tenants < 1 || o.tenants > 1000) bad('tenants', 'must be an integer from 1 to 1000');
  if (!(o.jobsPerHour > 0) || o.jobsPerHour > 1e6) bad('jobsPerHour', 'must be positive');
  if (!(o.hours > 0) || o.hours > 24 * 365) bad('hours', 'must be positive (at most a year)');
  if (!(o.heavyShare >= 0 && o.heavyShare <= 1)) bad('heavyShare', 'must be in [0, 1]');
  if (!(o.skew >= 0)) bad('skew', 'must be non-negative');
  if (!(o.deadlineFactor >= 0)) bad('deadlineFactor', 'must be non-negative');
}

/** Generates the jobs in arrival order. `gpusPerNode` turns jobs larger than a node into gangs of whole nodes. */
export function generateSynthetic(o: SyntheticOptions, gpusPerNode: number): SimJobInput[] {
  validate(o);
  const rng = createRng(o.seed).fork('synthetic');
  const weights = Array.from({ length: o.tenants }, (_, k) => 1 / (k + 1) ** o.skew);
  const wsum = weights.reduce((a, b) => a + b, 0);
  const pickTenant = (): number => {
    let x = rng.next() * wsum;
    for (let k = 0; k < weights.length; k++) {
      x -= weights[k] ?? 0;
      if (x < 0) return k;
    }
    return weights.length - 1;
  };
  const out: SimJobInput[] = [];
  const horizonMs = o.hours * 3_600_000;
  const meanGapMs = 3_600_000 / o.jobsPerHour;
  let t = 0;
  for (let i = 0; ; i++) {
    t += Math.round(-Math.log(Math.max(1e-12, 1 - rng.next())) * meanGapMs);
    if (t >= horizonMs) break;
    const heavy = rng.next() < o.heavyShare;
    const kind = heavy ? o.heavy : o.light;
    const k = pickTenant();
    const tenant = o.tenants <= 26 ? `tenant-${String.fromCharCode(97 + k)}` : `tenant-${k}`;
    const durationMs = Math.max(60_000, Math.round(kind.medianMinutes * 60_000 * Math.exp(kind.sigma * normal(rng))));
    const G = Math.max(1, gpusPerNode);
    const tasks = kind.gpus > G ? Math.ceil(kind.gpus / G) : 1;
    const perTask = tasks > 1 ? G : kind.gpus;
    const spec: JobSpec = {
      id: `syn-${String(i).padStart(6, '0')}`,
      tenantId: tenant,
      name: heavy ? 'imagenet-like' : 'cifar10-like',
      request: { cpuMilli: Math.round((kind.cpus * 1000) / tasks), gpuMilli: perTask * 1000, memMiB: Math.round((kind.memGiB * 1024) / tasks), netMbps: 0 },
      gangSize: tasks,
      priorityClass: 'normal',
      submittedAtMs: t,
      expectedDurationMs: durationMs,
      ...(o.deadlineFactor > 0 ? { deadlineMs: t + Math.round(o.deadlineFactor * durationMs) } : {}),
      datasetRef: kind.dataset,
      preemptible: true,
      migratable: true,
      kind: 'train',
    };
    out.push({ spec, durationMs, cls: heavy ? 'heavy' : 'light', gpus: kind.gpus });
  }
  return out;
}
