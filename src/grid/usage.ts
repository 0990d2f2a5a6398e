// Grid usage as the scheduler and profiler consume it: memory held per tenant (counts towards the tenant's share,
// DESIGN.md §2) and cache effectiveness (profiler, locality score).
import type { TenantGridStats } from './port.ts';
import { SHARED_NAMESPACE } from './port.ts';

export interface TenantGridUsage {
  readonly tenantId: string;
  /** Bytes held, rounded up to MiB (Resources.memMiB units). */
  readonly memMiB: number;
  /** hits / (hits + misses), or undefined before any read. */
  readonly hitRatio: number | undefined;
  readonly evictions: number;
}

const MIB = 1024 * 1024;

/** Per-tenant usage from `grid.allStats()`; the shared namespace is infrastructure, charged to no tenant. */
export function tenantGridUsage(stats: readonly TenantGridStats[]): TenantGridUsage[] {
  return stats
    .filter((s) => s.tenantId !== SHARED_NAMESPACE)
    .map((s) => ({
      tenantId: s.tenantId,
      memMiB: Math.ceil(s.usedBytes / MIB),
      hitRatio: s.hits + s.misses === 0 ? undefined : s.hits / (s.hits + s.misses),
      evictions: s.evictions,
    }));
}
