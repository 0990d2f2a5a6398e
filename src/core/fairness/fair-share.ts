// Weighted, demand-capped max-min fair shares on dominant shares: DRF's progressive filling (Ghodsi et al.,
// NSDI'11) with weights. Every tenant's dominant share grows at a rate proportional to its weight, consuming its
// demand vector in proportion; a tenant stops when its demand is met, and when a resource runs out every tenant
// that needs it stops. What each tenant reached is its fair share.

export interface ShareClaim {
  readonly id: string;
  readonly weight: number;
  /** Demand by dimension (what it holds plus what it waits for). */
  readonly demand: readonly number[];
}

const EPS = 1e-12;

/** Dominant share of a vector against a capacity vector (0 where capacity is 0). */
export function dominantShareOf(v: readonly number[], capacity: readonly number[]): number {
  let s = 0;
  for (let d = 0; d < capacity.length; d++) {
    const c = capacity[d] as number;
    if (c > 0) s = Math.max(s, (v[d] as number) / c);
  }
  return s;
}

/** Fair dominant share per tenant id. Tenants with no demand get 0. O(n²·dims) for n tenants, allocation-light. */
export function weightedDrfShares(claims: readonly ShareClaim[], capacity: readonly number[]): Map<string, number> {
  const dims = capacity.length;
  const n = claims.length;
  const out = new Map<string, number>();
  const d = new Float64Array(n);
  const s = new Float64Array(n);
  const active = new Uint8Array(n);
  let activeCount = 0;
  for (let i = 0; i < n; i++) {
    const c = claims[i] as ShareClaim;
    d[i] = dominantShareOf(c.demand, capacity);
    if ((d[i] as number) > EPS && c.weight > 0) {
      active[i] = 1;
      activeCount++;
    }
  }
  const used = new Float64Array(dims);
  const saturated = new Uint8Array(dims);
  const rate = new Float64Array(dims);
  while (activeCount > 0) {
    // Consumption rate of each resource per unit of "water level" t.
    rate.fill(0);
    let dt = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      if (!active[i]) continue;
      const c = claims[i] as ShareClaim;
      const k = c.weight / (d[i] as number);
      for (let r = 0; r < dims; r++) rate[r] = (rate[r] as number) + k * (c.demand[r] as number);
      dt = Math.min(dt, ((d[i] as number) - (s[i] as number)) / c.weight);
    }
    for (let r = 0; r < dims; r++) {
      if ((rate[r] as number) > EPS) dt = Math.min(dt, ((capacity[r] as number) - (used[r] as number)) / (rate[r] as number));
    }
    if (!Number.isFinite(dt) || dt < 0) dt = 0;
    for (let r = 0; r < dims; r++) {
      used[r] = (used[r] as number) + (rate[r] as number) * dt;
      if ((rate[r] as number) > EPS && (capacity[r] as number) - (used[r] as number) <= EPS * Math.max(1, capacity[r] as number)) saturated[r] = 1;
    }
    for (let i = 0; i < n; i++) {
      if (!active[i]) continue;
      const c = claims[i] as ShareClaim;
      s[i] = (s[i] as number) + c.weight * dt;
      let stop = (s[i] as number) >= (d[i] as number) - EPS;
      for (let r = 0; r < dims && !stop; r++) if (saturated[r] && (c.demand[r] as number) > 0) stop = true;
      if (stop) {
        active[i] = 0;
        activeCount--;
      }
    }
  }
  for (let i = 0; i < n; i++) out.set((claims[i] as ShareClaim).id, Math.min(s[i] as number, d[i] as number));
  return out;
}
