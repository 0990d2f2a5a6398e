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

/** Fair dominant share per tenant id. Tenants with no demand get 0. O(n²·dims) for n tenants. */
export function weightedDrfShares(claims: readonly ShareClaim[], capacity: readonly number[]): Map<string, number> {
  const dims = capacity.length;
  const out = new Map<string, number>();
  const d = claims.map((c) => dominantShareOf(c.demand, capacity));
  const s = claims.map(() => 0);
  const active = new Set<number>();
  claims.forEach((c, i) => {
    out.set(c.id, 0);
    if ((d[i] as number) > EPS && c.weight > 0) active.add(i);
  });
  const used = new Array<number>(dims).fill(0);
  const saturated = new Array<boolean>(dims).fill(false);
  while (active.size > 0) {
    // Consumption rate of each resource per unit of "water level" t.
    const rate = new Array<number>(dims).fill(0);
    for (const i of active) {
      const c = claims[i] as ShareClaim;
      for (let r = 0; r < dims; r++) rate[r] = (rate[r] as number) + (c.weight * (c.demand[r] as number)) / (d[i] as number);
    }
    let dt = Number.POSITIVE_INFINITY;
    for (const i of active) dt = Math.min(dt, ((d[i] as number) - (s[i] as number)) / (claims[i] as ShareClaim).weight);
    for (let r = 0; r < dims; r++) {
      if ((rate[r] as number) > EPS) dt = Math.min(dt, ((capacity[r] as number) - (used[r] as number)) / (rate[r] as number));
    }
    if (!Number.isFinite(dt) || dt < 0) dt = 0;
    for (const i of active) s[i] = (s[i] as number) + (claims[i] as ShareClaim).weight * dt;
    for (let r = 0; r < dims; r++) {
      used[r] = (used[r] as number) + (rate[r] as number) * dt;
      if ((capacity[r] as number) - (used[r] as number) <= EPS * Math.max(1, capacity[r] as number) && (rate[r] as number) > EPS) saturated[r] = true;
    }
    for (const i of [...active]) {
      const c = claims[i] as ShareClaim;
      const done = (s[i] as number) >= (d[i] as number) - EPS;
      let blocked = false;
      for (let r = 0; r < dims; r++) if (saturated[r] && (c.demand[r] as number) > 0) blocked = true;
      if (done || blocked) active.delete(i);
    }
  }
  claims.forEach((c, i) => out.set(c.id, Math.min(s[i] as number, d[i] as number)));
  return out;
}
