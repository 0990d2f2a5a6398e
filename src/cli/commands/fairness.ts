import type { Command } from 'commander';
import { ApiClient, printTable, withClientOptions, type ClientOptions } from '../client.ts';
import type { FairnessView } from '../../wire/schemas.ts';

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

export function registerFairness(program: Command): void {
  withClientOptions(program.command('fairness').description("Jain's index (raw and normalised), shares vs fair shares per tenant, utilisation"))
    .action(async (o: ClientOptions) => {
      const f = await new ApiClient(o).request<FairnessView>('GET', '/v1/fairness');
      if (o.json) return console.log(JSON.stringify(f));
      console.log(`Jain's index: raw ${f.jainRaw.toFixed(3)}, normalised ${f.jainNormalised.toFixed(3)}   (at ${f.at})`);
      console.log(`utilisation: ${Object.entries(f.utilisation).map(([d, v]) => `${d} ${pct(v)}`).join(', ')}`);
      printTable(['TENANT', 'WEIGHT', 'SHARE', 'FAIR SHARE', 'RHO', 'RUNNING', 'PENDING'], f.tenants.map((t) => [t.tenant, t.weight, pct(t.share), pct(t.fairShare), t.rho.toFixed(2), t.running, t.pending]));
      if (f.visibility === 'own' && f.tenantCount !== undefined) console.log(`(your tenant only; ${f.tenantCount} tenant(s) share the cluster, and Jain's index covers them all)`);
      if (f.grid && f.grid.tenants.length > 0) {
        console.log(`\ngrid (${f.grid.kind}, read ${f.grid.at ?? 'not yet'}):`);
        printTable(['TENANT', 'MIB', 'KEYS', 'HIT RATIO', 'EVICTIONS'], f.grid.tenants.map((g) => [g.tenant, g.memMiB, g.keys, g.hitRatio === null ? '—' : pct(g.hitRatio), g.evictions]));
      }
    });
}
