import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resources } from '../domain/resources.ts';
import { ForecastBank } from '../forecast/forecast-bank.ts';
import { planBalance } from './balance.ts';
import { balancerNodesFromBank, nodeLoadKey, tenantDemandKey, tenantDemandsFromBank } from './from-forecasts.ts';

test('a rising node load observed into the bank leads the balancer to move a job off it', () => {
  const bank = new ForecastBank({ kind: 'holt' });
  // n1 climbs 2 points a minute towards saturation; n2 stays quiet.
  for (let t = 0; t < 30; t++) {
    bank.observe(nodeLoadKey('n1', 'gpuMilli'), 0.3 + 0.02 * t);
    bank.observe(nodeLoadKey('n2', 'gpuMilli'), 0.1);
  }
  const cap = resources({ gpuMilli: 8000 });
  const nodes = balancerNodesFromBank(
    [{ id: 'n1', capacity: cap, ready: true, load: 0.88 }, { id: 'n2', capacity: cap, ready: true, load: 0.1 }, { id: 'n3', capacity: cap, ready: true, load: 0.2 }],
    bank, 'gpuMilli', 10,
  );
  assert.ok(nodes[0]!.forecast.mean[9]! > 1, 'Holt extrapolates the climb');
  assert.deepEqual(nodes[2]!.forecast.mean, new Array(10).fill(0.2), 'no history: flat at the current load');
  const r = planBalance({ nowMs: 0, nodes, jobs: [{ id: 'j', tenantId: 't', nodeId: 'n1', request: resources({ gpuMilli: 2000 }), migratable: true, snapshotMiB: 1024, checkpointAgeMs: 0 }] });
  assert.deepEqual(r.migrations.map((m) => [m.jobId, m.toNodeIds[0]]), [['j', 'n2']]);
});

test('tenant demand forecasts come from the bank in tenant order', () => {
  const bank = new ForecastBank({ kind: 'naive' });
  bank.observe(tenantDemandKey('b'), 3000);
  bank.observe(tenantDemandKey('a'), 1000);
  const d = tenantDemandsFromBank(new Map([['b', 3000], ['a', 1000], ['c', 5]]), bank, 3);
  assert.deepEqual(d.map((t) => [t.tenantId, t.forecast.mean[0]]), [['a', 1000], ['b', 3000]]);
});
