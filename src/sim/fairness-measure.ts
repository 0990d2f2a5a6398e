// The simulator's own fairness measurements (an observer outside the core, so a policy cannot grade itself):
// Jain's index J = (Σx)² / (n·Σx²) over active tenants, raw (x = dominant share of the cluster) and normalised
// (x = dominant share ÷ the tenant's weighted, demand-capped fair share, found by weighted max-min water-filling
// on dominant shares, as DRF does).

export interface TenantLoad {
  readonly weight: number;
  /** Dominant share of the cluster the tenant holds now (0..1). */
  readonly share: number;
  /** Dominant share it would hold if all its queued and running jobs ran (capped at 1). */
  readonly demand: number;
}

export function jain(xs: readonly number[]): number {
  if (xs.length === 0) return 1;
  let sum = 0;
  let sq = 0;
  for (const x of xs) {
    sum += x;
    sq += x * x;
  }
  return sq === 0 ? 1 : (sum * sum) / (xs.length * sq);
}

/** Weighted max-min fair shares with demand caps, total capacity 1 (water-filling). */
export function fairShares(loads: readonly TenantLoad[]): number[] {
  const out = loads.map(() => 0);
  let left = 1;
  let open = loads.map((_, i) => i).filter((i) => (loads[i]?.demand ?? 0) > 0);
  while (open.length > 0 && left > 1e-12) {
    const wsum = open.reduce((s, i) => s + (loads[i]?.weight ?? 0), 0);
    const capped = open.filter((i) => (loads[i]?.demand ?? 0) - (out[i] ?? 0) <= (left * (loads[i]?.weight ?? 0)) / wsum + 1e-15);
    if (capped.length === 0) {
      for (const i of open) out[i] = (out[i] ?? 0) + (left * (loads[i]?.weight ?? 0)) / wsum;
      left = 0;
      break;
    }
    for (const i of capped) {
      left -= (loads[i]?.demand ?? 0) - (out[i] ?? 0);
      out[i] = loads[i]?.demand ?? 0;
    }
    open = open.filter((i) => !capped.includes(i));
  }
  return out;
}

/** Raw and normalised Jain over tenants with demand; n = 0 or 1 gives 1. */
export function jainIndices(loads: readonly TenantLoad[]): { raw: number; normalised: number; active: number } {
  const active = loads.filter((l) => l.demand > 0);
  const fair = fairShares(active);
  const raw = jain(active.map((l) => l.share));
  const normalised = jain(active.map((l, i) => ((fair[i] ?? 0) > 0 ? l.share / (fair[i] ?? 1) : 0)));
  return { raw, normalised, active: active.length };
}
