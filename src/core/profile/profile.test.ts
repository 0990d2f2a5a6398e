import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeJob } from '../../../test/harness/builders.ts';
import { resources } from '../domain/resources.ts';
import { InvalidInputError } from '../util/errors.ts';
import { Profiler } from './profiler.ts';
import { classify, DEFAULT_CLASS_WEIGHTS, resourceScore, validateClassWeights } from './resource-score.ts';

const node = resources({ cpuMilli: 32_000, gpuMilli: 8000, memMiB: 256 * 1024, netMbps: 10_000 });

test('resource score RS = α·Mu + β·Cd + γ·Ni with class weights', () => {
  // Mu = 128 GiB / 256 GiB = 0.5; Cd = max(8/32, 1/8) = 0.25; Ni = 1000/10000 = 0.1 → memory-bound (0.6, 0.3, 0.1)
  // RS = 0.6·0.5 + 0.3·0.25 + 0.1·0.1 = 0.385
  const mem = resourceScore(resources({ cpuMilli: 8000, gpuMilli: 1000, memMiB: 128 * 1024, netMbps: 1000 }), node);
  assert.equal(mem.cls, 'memory');
  assert.ok(Math.abs(mem.rs - 0.385) < 1e-12);
  // Cd = 8/8 = 1 dominant → compute-bound (0.2, 0.6, 0.2): Mu = 0.125, Ni = 0 → RS = 0.025 + 0.6 = 0.625
  const gpu = resourceScore(resources({ cpuMilli: 4000, gpuMilli: 8000, memMiB: 32 * 1024 }), node);
  assert.equal(gpu.cls, 'compute');
  assert.ok(Math.abs(gpu.rs - 0.625) < 1e-12);
  // Ni = 0.8 dominant → io-bound (0.2, 0.2, 0.6): Mu = 1/256, Cd = 1/32 → RS = 0.2/256 + 0.2/32 + 0.48
  const io = resourceScore(resources({ cpuMilli: 1000, memMiB: 1024, netMbps: 8000 }), node);
  assert.equal(io.cls, 'io');
  assert.ok(Math.abs(io.rs - (0.2 / 256 + 0.2 / 32 + 0.48)) < 1e-12);
  // Ties go compute > memory > io; values clamp into [0, 1].
  assert.equal(classify({ mu: 0.5, cd: 0.5, ni: 0.5 }), 'compute');
  assert.equal(resourceScore(resources({ memMiB: 10 * node.memMiB }), node).normalised.mu, 1);
  // Configurable weights.
  const custom = resourceScore(resources({ memMiB: 128 * 1024 }), node, { ...DEFAULT_CLASS_WEIGHTS, memory: { alpha: 1, beta: 0, gamma: 0 } });
  assert.equal(custom.rs, 0.5);
  assert.throws(() => validateClassWeights({ ...DEFAULT_CLASS_WEIGHTS, io: { alpha: -1, beta: 0, gamma: 0 } }), InvalidInputError);
});

test('profiler: EWMA over telemetry, fallbacks to the request and the tenant history', () => {
  const p = new Profiler(0.5);
  const job = makeJob('j1').tenant('t').request({ cpuMilli: 4000, memMiB: 8000, netMbps: 0 }).build();
  assert.deepEqual(p.signature(job), { demand: job.request, source: 'request', samples: 0 });
  const sample = (atMs: number, memMiB: number, netMbps: number) => p.observe({ nodeId: 'n1', jobId: 'j1', atMs, used: resources({ cpuMilli: 2000, memMiB, netMbps }) });
  sample(0, 4000, 100);
  sample(1000, 6000, 300); // 4000 + 0.5·(6000 − 4000) = 5000; net 100 + 0.5·200 = 200
  sample(500, 99_999, 0); // out of order: ignored
  sample(2000, 7000, 200); // 5000 + 0.5·2000 = 6000; net 200 + 0 = 200
  assert.deepEqual(p.signature(job), { demand: resources({ cpuMilli: 2000, memMiB: 6000, netMbps: 200 }), source: 'telemetry', samples: 3 });
  p.finish(job);
  // A new job of the same tenant without telemetry: request, with the network it left at 0 filled from history.
  const next = makeJob('j2').tenant('t').request({ cpuMilli: 1000, memMiB: 2000, netMbps: 0 }).build();
  assert.deepEqual(p.signature(next), { demand: resources({ cpuMilli: 1000, memMiB: 2000, netMbps: 200 }), source: 'request+history', samples: 0 });
  // used ÷ requested: cpu 2000/4000, mem 6000/8000, gpu and net never requested.
  const ratio = p.tenantUseRatio('t')!;
  assert.equal(ratio.cpuMilli, 0.5);
  assert.equal(ratio.memMiB, 0.75);
  assert.ok(Number.isNaN(ratio.netMbps));
  assert.throws(() => p.observe({ nodeId: 'n1', jobId: 'x', atMs: 0, used: resources({ memMiB: -1 }) }), InvalidInputError);
  assert.throws(() => new Profiler(0), InvalidInputError);
});
