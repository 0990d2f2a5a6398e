// Tenant weights for trace replays. For Philly, the per-VC node counts the Helios authors used to simulate it
// (traces/philly/cluster/philly_vc_nodes.csv) are a reasonable proxy for each VC's quota, hence its weight.
import { existsSync, readFileSync } from 'node:fs';
import { InvalidInputError } from '../core/util/errors.ts';
import { sharedPath } from '../paths.ts';

/** Reads a two-column CSV (`tenant, weight`, header row). */
export function readWeights(path: string): Map<string, number> {
  const out = new Map<string, number>();
  const lines = readFileSync(path, 'utf8').split('\n').slice(1);
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const [tenant, w] = line.split(',').map((s) => s.trim());
    const weight = Number(w);
    if (!tenant || !Number.isFinite(weight) || weight <= 0) throw new InvalidInputError(`${path}:${i + 2}: expected "tenant,positive weight", got ${JSON.stringify(line)}`, { field: 'weights' });
    out.set(tenant, weight);
  });
  return out;
}

/** The default weights for a trace: Philly VC node counts for Philly files, else none (everyone weight 1). */
export function defaultWeightsFor(tracePath: string): Map<string, number> | undefined {
  const file = sharedPath('traces', 'philly', 'cluster', 'philly_vc_nodes.csv');
  if (!tracePath.includes('philly') || !existsSync(file)) return undefined;
  return readWeights(file);
}
