// Glue for whoever wires the balancer into the control loop or the simulator: observe each node's load (per
// dimension) and each tenant's queue demand into a ForecastBank every tick, then build the balancer's plain inputs
// from it each cycle. Keys: `node/<id>/<dimension>` and `tenant/<id>/demand`.
import type { Dimension, Resources } from '../domain/resources.ts';
import type { ForecastBank } from '../forecast/forecast-bank.ts';
import type { BalancerNode, LoadForecast, TenantDemand } from './types.ts';

export function nodeLoadKey(nodeId: string, dimension: Dimension): string {
  return `node/${nodeId}/${dimension}`;
}

export function tenantDemandKey(tenantId: string): string {
  return `tenant/${tenantId}/demand`;
}

function flat(value: number, h: number): LoadForecast {
  return { mean: new Array<number>(h).fill(value), se: new Array<number>(h).fill(0) };
}

/** Balancer nodes with forecasts from the bank; a node without history is forecast flat at its current load. */
export function balancerNodesFromBank(
  nodes: readonly { readonly id: string; readonly capacity: Resources; readonly ready: boolean; readonly load: number }[],
  bank: ForecastBank,
  dimension: Dimension,
  horizonSteps: number,
): BalancerNode[] {
  return nodes.map((n) => {
    const key = nodeLoadKey(n.id, dimension);
    const forecast = bank.has(key) ? bank.forecast(key, horizonSteps) : flat(n.load, horizonSteps);
    return { id: n.id, capacity: n.capacity, ready: n.ready, load: n.load, forecast: { mean: forecast.mean, se: forecast.se } };
  });
}

/** Tenant demand with forecasts from the bank (tenants without history are skipped: nothing to predict yet). */
export function tenantDemandsFromBank(current: ReadonlyMap<string, number>, bank: ForecastBank, horizonSteps: number): TenantDemand[] {
  const known = new Set(bank.keys());
  const out: TenantDemand[] = [];
  for (const [tenantId, currentMilli] of [...current.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    const key = tenantDemandKey(tenantId);
    if (!known.has(key)) continue;
    const f = bank.forecast(key, horizonSteps);
    out.push({ tenantId, currentMilli, forecast: { mean: f.mean, se: f.se } });
  }
  return out;
}
