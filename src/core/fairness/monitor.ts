// The fairness monitor: samples every tenant's dominant share and fair share at each fairness tick, keeps a sliding
// window of samples, and computes
//   • raw Jain's index over active tenants' dominant shares (the seed's definition),
//   • normalised Jain's index over x_i = share_i ÷ fairShare_i (1 for everyone = perfectly fair),
//   • Themis-style finish-time fairness ρ_i = fairShare_i ÷ share_i (how much slower than its fair allocation the
//     tenant progresses; ρ > 1 is worse off, capped at RHO_CAP when it holds nothing),
// each over the window (time-averaged x). Below `threshold` it corrects: boost under-served tenants in the queue and
// cap over-consumers at their fair share, each with a Reason. Preemption happens only in the scheduling cycle, only
// of preemptible jobs and only to restore a guaranteed quota.
import type { Reason } from '../domain/plan.ts';
import { InvalidInputError } from '../util/errors.ts';
import { dominantShareOf, weightedDrfShares } from './fair-share.ts';
import { jainIndex } from './jain.ts';

export const RHO_CAP = 1000;

export interface FairnessConfig {
  readonly windowMs: number;
  readonly tickMs: number;
  /** Corrections start when the windowed normalised Jain index falls below this. */
  readonly threshold: number;
  /** An over-consumer is capped once its share exceeds its fair share by this fraction. */
  readonly capSlack: number;
}

export const DEFAULT_FAIRNESS_CONFIG: FairnessConfig = { windowMs: 10 * 60_000, tickMs: 60_000, threshold: 0.8, capSlack: 0.1 };

export function validateFairnessConfig(c: FairnessConfig): FairnessConfig {
  if (!(c.windowMs > 0) || !(c.tickMs > 0)) throw new InvalidInputError('fairness windowMs and tickMs must be positive', { field: 'fairness' });
  if (!(c.threshold >= 0 && c.threshold <= 1)) throw new InvalidInputError(`fairness threshold must be in [0, 1], got ${c.threshold}`, { field: 'fairness.threshold' });
  if (!(c.capSlack >= 0)) throw new InvalidInputError('fairness capSlack must be non-negative', { field: 'fairness.capSlack' });
  return c;
}

export interface TenantLoad {
  readonly id: string;
  readonly weight: number;
  /** Held now, by dimension. */
  readonly alloc: readonly number[];
  /** Held plus pending, by dimension. */
  readonly demand: readonly number[];
  /**
   * The part of `alloc` (and `demand`) held outside jobs (grid memory). It counts in the share, but holdings alone do
   * not make a tenant active: only tenants with jobs running or waiting compete for the cluster.
   */
  readonly held?: readonly number[];
}

export interface TenantFairness {
  readonly id: string;
  readonly share: number;
  readonly fairShare: number;
  /** share ÷ fairShare (1 = exactly fair). */
  readonly ratio: number;
  readonly rho: number;
}

export interface FairnessReading {
  readonly atMs: number;
  readonly jainRaw: number;
  readonly jainNormalised: number;
  readonly tenants: readonly TenantFairness[];
}

export interface FairnessCorrections {
  /** 0..1 per under-served tenant. */
  readonly boosts: ReadonlyMap<string, number>;
  /** Dominant-share cap per over-consumer. */
  readonly caps: ReadonlyMap<string, number>;
  readonly reasons: readonly (Reason & { readonly tenantId: string })[];
}

export const NO_CORRECTIONS: FairnessCorrections = { boosts: new Map(), caps: new Map(), reasons: [] };

/** One instantaneous reading (no window). Active tenants: those with any demand beyond their holdings. */
export function measureFairness(loads: readonly TenantLoad[], capacity: readonly number[], atMs: number): FairnessReading {
  const active = loads.filter((l) => l.demand.some((x, d) => x - (l.held?.[d] ?? 0) > 0)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const fair = weightedDrfShares(active.map((l) => ({ id: l.id, weight: l.weight, demand: l.demand })), capacity);
  const tenants = active.map((l): TenantFairness => {
    const share = dominantShareOf(l.alloc, capacity);
    const fairShare = fair.get(l.id) ?? 0;
    const ratio = fairShare > 0 ? share / fairShare : 1;
    const rho = share > 0 ? Math.min(RHO_CAP, fairShare / share) : fairShare > 0 ? RHO_CAP : 1;
    return { id: l.id, share, fairShare, ratio, rho };
  });
  return { atMs, jainRaw: jainIndex(tenants.map((t) => t.share)), jainNormalised: jainIndex(tenants.map((t) => Math.min(t.ratio, 1))), tenants };
}

export class FairnessMonitor {
  private readonly window: FairnessReading[] = [];

  constructor(readonly config: FairnessConfig = DEFAULT_FAIRNESS_CONFIG) {
    validateFairnessConfig(config);
  }

  /** Records a reading and drops those older than the window. */
  record(reading: FairnessReading): void {
    this.window.push(reading);
    const from = reading.atMs - this.config.windowMs;
    let k = 0;
    while (k < this.window.length && (this.window[k] as FairnessReading).atMs < from) k++;
    if (k > 0) this.window.splice(0, k);
  }

  /** The window's time-averaged view: mean share and fair share per tenant over the samples it appears in. */
  windowed(): FairnessReading | undefined {
    const last = this.window[this.window.length - 1];
    if (!last) return undefined;
    const acc = new Map<string, { share: number; fair: number; ratio: number; rho: number; n: number }>();
    for (const r of this.window) {
      for (const t of r.tenants) {
        const a = acc.get(t.id) ?? { share: 0, fair: 0, ratio: 0, rho: 0, n: 0 };
        a.share += t.share;
        a.fair += t.fairShare;
        a.ratio += Math.min(t.ratio, 1);
        a.rho += t.rho;
        a.n++;
        acc.set(t.id, a);
      }
    }
    const tenants = [...acc].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, a]): TenantFairness => ({ id, share: a.share / a.n, fairShare: a.fair / a.n, ratio: a.ratio / a.n, rho: a.rho / a.n }));
    return { atMs: last.atMs, jainRaw: jainIndex(tenants.map((t) => t.share)), jainNormalised: jainIndex(tenants.map((t) => t.ratio)), tenants };
  }

  /** Corrections for the current window: none while the normalised index is at or above the threshold. */
  corrections(current: FairnessReading): FairnessCorrections {
    const w = this.windowed();
    if (!w || w.jainNormalised >= this.config.threshold) return NO_CORRECTIONS;
    const boosts = new Map<string, number>();
    const caps = new Map<string, number>();
    const reasons: (Reason & { tenantId: string })[] = [];
    const underServed = current.tenants.some((t) => t.ratio < 1 - 1e-9);
    for (const t of w.tenants) {
      if (t.ratio < 1 - 1e-9) {
        const boost = Math.min(1, 1 - t.ratio);
        boosts.set(t.id, boost);
        reasons.push({ tenantId: t.id, plugin: 'fairness', code: 'boost-under-served', message: `tenant '${t.id}' held ${(t.ratio * 100).toFixed(0)}% of its fair share over the window (J = ${w.jainNormalised.toFixed(3)} < ${this.config.threshold}); its jobs are boosted` });
      }
    }
    for (const t of current.tenants) {
      if (underServed && t.fairShare > 0 && t.share > t.fairShare * (1 + this.config.capSlack)) {
        caps.set(t.id, t.fairShare);
        reasons.push({ tenantId: t.id, plugin: 'fairness', code: 'cap-over-consumer', message: `tenant '${t.id}' holds ${(t.share * 100).toFixed(1)}% against a fair share of ${(t.fairShare * 100).toFixed(1)}% while others are under-served; it may not start more until back within its share` });
      }
    }
    return { boosts, caps, reasons };
  }

  export(): readonly FairnessReading[] {
    return this.window.map((r) => ({ ...r, tenants: r.tenants.map((t) => ({ ...t })) }));
  }
}
