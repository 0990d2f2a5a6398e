// Cluster description files (YAML or JSON) and presets. A file lists node groups:
//
//   name: paper-16
//   nodes:
//     - count: 16
//       prefix: n            # node ids n00, n01, …
//       gpus: 8
//       cpus: 48
//       memGiB: 512
//       netGbps: 10
//       labels: { gpu: v100 }
//
// Validated with zod at the edge; the result is a list of core `Node`s with integer resources.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { Node } from '../core/domain/index.ts';
import { InvalidInputError } from '../core/util/errors.ts';

const NodeGroup = z.object({
  count: z.number().int().positive().max(100_000),
  prefix: z.string().regex(/^[a-z][a-z0-9-]{0,20}$/i).default('n'),
  gpus: z.number().int().min(0).max(64),
  cpus: z.number().positive().max(4096),
  memGiB: z.number().positive().max(65_536),
  netGbps: z.number().nonnegative().max(10_000).default(10),
  labels: z.record(z.string(), z.string()).default({}),
});

export const ClusterFile = z.object({
  name: z.string().min(1).max(80).default('cluster'),
  nodes: z.array(NodeGroup).min(1),
});
export type ClusterFileInput = z.input<typeof ClusterFile>;

export interface ClusterSpec {
  readonly name: string;
  readonly nodes: readonly Node[];
  /** GPUs of the largest node: a job asking for more becomes a gang of whole nodes (issue 3, baseline semantics). */
  readonly gpusPerNode: number;
}

export function buildCluster(input: unknown, what = 'cluster'): ClusterSpec {
  const parsed = ClusterFile.safeParse(input);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new InvalidInputError(`${what}: ${first ? `${first.path.join('.')}: ${first.message}` : 'invalid'}`, { field: what });
  }
  const nodes: Node[] = [];
  const used = new Set<string>();
  for (const g of parsed.data.nodes) {
    const width = Math.max(2, String(g.count - 1).length);
    for (let i = 0; i < g.count; i++) {
      const id = `${g.prefix}${String(i).padStart(width, '0')}`;
      if (used.has(id)) throw new InvalidInputError(`${what}: duplicate node id ${id} (give node groups distinct prefixes)`, { field: `${what}.nodes` });
      used.add(id);
      nodes.push({
        id,
        capacity: { cpuMilli: Math.round(g.cpus * 1000), gpuMilli: g.gpus * 1000, memMiB: Math.round(g.memGiB * 1024), netMbps: Math.round(g.netGbps * 1000) },
        labels: g.labels,
        status: 'ready',
      });
    }
  }
  const gpusPerNode = Math.max(...nodes.map((n) => n.capacity.gpuMilli / 1000));
  return { name: parsed.data.name, nodes, gpusPerNode };
}

/** Reads a `.yaml`/`.yml`/`.json` cluster file. */
export function loadClusterFile(path: string): ClusterSpec {
  const text = readFileSync(path, 'utf8');
  const data: unknown = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  return buildCluster(data, path);
}

/** A uniform cluster of `nodes` × `gpusPerNode` (CLI `--nodes N --gpus-per-node G`). CPU and memory per node scale
 *  with the GPUs as on a DGX-1-class 8-GPU server (40 cores, 512 GiB): 5 cores and 64 GiB per GPU. */
export function uniformCluster(nodes: number, gpusPerNode: number, name = `uniform-${nodes}x${gpusPerNode}`): ClusterSpec {
  const perGpu = Math.max(1, gpusPerNode);
  return buildCluster({ name, nodes: [{ count: nodes, gpus: gpusPerNode, cpus: 5 * perGpu, memGiB: 64 * perGpu, netGbps: 10 }] });
}

/**
 * Presets. Where each size comes from:
 * - `paper-16`: the seed's 16-node testbed; 8 GPUs per node as in the traces README's "16-node scale" (128 GPUs).
 * - `philly-tiny`: 4 × 8 GPUs, for the one-day tiny file: small enough that its bursts queue (it peaks at ≈60 jobs
 *   alive), so policies differ in a few seconds of simulation. Not an original size; a demo/CI scale.
 * - `philly-5vc`: 16 × 8 GPUs, the README's scale for the five-VC files (offered load 72–108 GPUs).
 * - `philly-week`: 64 × 8 GPUs, the README's "≈64-node scale" for the one-week, all-tenant file (offered load 445).
 * - `philly-shared`: 96 × 8 GPUs, the cluster the issue names for the full 12-week, 14-tenant replay.
 * - `philly-helios`: 352 × 8 GPUs, the per-VC node counts the Helios authors used to simulate Philly
 *   (traces/philly/cluster/philly_vc_nodes.csv, total 352).
 * - `openb`: 16 × 8 GPUs with 96 cores and 768 GiB, enough for the openb pod sample (≈30–45 GPUs busy at a time).
 */
export const PRESETS: Readonly<Record<string, () => ClusterSpec>> = {
  'paper-16': () => buildCluster({ name: 'paper-16', nodes: [{ count: 16, gpus: 8, cpus: 40, memGiB: 512, netGbps: 10 }] }),
  'philly-tiny': () => uniformCluster(4, 8, 'philly-tiny'),
  'philly-5vc': () => uniformCluster(16, 8, 'philly-5vc'),
  'philly-week': () => uniformCluster(64, 8, 'philly-week'),
  'philly-shared': () => uniformCluster(96, 8, 'philly-shared'),
  'philly-helios': () => uniformCluster(352, 8, 'philly-helios'),
  openb: () => buildCluster({ name: 'openb', nodes: [{ count: 16, gpus: 8, cpus: 96, memGiB: 768, netGbps: 25 }] }),
};

/** The preset sized to a trace's original cluster, chosen from its file name. */
export function presetForTrace(tracePath: string): string {
  if (tracePath.includes('shared_full')) return 'philly-shared';
  if (tracePath.includes('philly_2017_week')) return 'philly-week';
  if (tracePath.includes('openb')) return 'openb';
  if (tracePath.includes('philly_2017_tiny')) return 'philly-tiny';
  return 'philly-5vc';
}

export function clusterFromPreset(name: string): ClusterSpec {
  const make = PRESETS[name];
  if (!make) throw new InvalidInputError(`unknown cluster preset '${name}' (known: ${Object.keys(PRESETS).join(', ')})`, { field: 'cluster' });
  return make();
}
