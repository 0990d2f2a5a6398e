import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCluster, clusterFromPreset, loadClusterFile, PRESETS, presetForTrace, uniformCluster } from './cluster-spec.ts';

test('a YAML cluster file becomes integer-resourced nodes with stable ids', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-cluster-'));
  const path = join(dir, 'c.yaml');
  writeFileSync(path, 'name: mixed\nnodes:\n  - count: 2\n    prefix: big\n    gpus: 8\n    cpus: 40\n    memGiB: 512\n  - count: 1\n    prefix: small\n    gpus: 2\n    cpus: 8.5\n    memGiB: 64\n    labels: { gpu: k80 }\n');
  const c = loadClusterFile(path);
  assert.equal(c.name, 'mixed');
  assert.deepEqual(c.nodes.map((n) => n.id), ['big00', 'big01', 'small00']);
  assert.deepEqual(c.nodes[2]?.capacity, { cpuMilli: 8500, gpuMilli: 2000, memMiB: 65536, netMbps: 10000 });
  assert.deepEqual(c.nodes[2]?.labels, { gpu: 'k80' });
  assert.equal(c.gpusPerNode, 8);
});

test('invalid cluster files are rejected with the field named', () => {
  assert.throws(() => buildCluster({ nodes: [{ count: 0, gpus: 8, cpus: 4, memGiB: 8 }] }), /nodes\.0\.count/);
  assert.throws(() => buildCluster({ nodes: [] }), /nodes/);
  assert.throws(() => buildCluster({ nodes: [{ count: 1, gpus: 8, cpus: 4, memGiB: 8 }, { count: 1, gpus: 8, cpus: 4, memGiB: 8 }] }), /duplicate node id n00/);
  assert.throws(() => clusterFromPreset('nope'), /unknown cluster preset/);
});

test('presets: the paper testbed has 16 nodes and 128 GPUs; traces map to presets of their scale', () => {
  const paper = clusterFromPreset('paper-16');
  assert.equal(paper.nodes.length, 16);
  assert.equal(paper.nodes.reduce((a, n) => a + n.capacity.gpuMilli, 0), 128_000);
  assert.equal(presetForTrace('x/philly_2017_shared_full.csv.gz'), 'philly-shared');
  assert.equal(clusterFromPreset('philly-shared').nodes.length, 96);
  assert.equal(presetForTrace('x/philly_2017_tiny_2017-11-08_5vc.csv'), 'philly-tiny');
  for (const name of Object.keys(PRESETS)) assert.ok(clusterFromPreset(name).nodes.length > 0);
  assert.equal(uniformCluster(3, 4).nodes[0]?.capacity.gpuMilli, 4000);
});
