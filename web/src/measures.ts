// Small measures the views share (no DOM, so node's test runner checks them directly).
import type { ResourcesWire } from '../../src/wire/schemas.ts';

/** A resource vector's dominant share of the cluster (DRF's measure), 0 when the cluster has none of anything. */
export function dominantShare(r: ResourcesWire | null | undefined, total: ResourcesWire): number {
  if (!r) return 0;
  let best = 0;
  for (const k of ['cpuMilli', 'gpuMilli', 'memMiB'] as const) if (total[k] > 0) best = Math.max(best, r[k] / total[k]);
  return best;
}
