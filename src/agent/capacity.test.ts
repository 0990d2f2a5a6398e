import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { resolveCapacity } from './capacity.ts';

const noGpu = () => ({ count: 0, indices: [], note: 'no nvidia-smi' });
const twoGpus = () => ({ count: 2, indices: [0, 1], note: 'nvidia-smi: 2 GPU(s)' });

test('declared capacity narrows what was detected; GPUs come from the detector', () => {
  const c = resolveCapacity({ cpus: 1, memoryMiB: 512 }, twoGpus);
  assert.equal(c.cpus, 1);
  assert.equal(c.memoryMiB, 512);
  assert.equal(c.gpus, 2);
  assert.deepEqual(c.gpuIndices, [0, 1]);
  const one = resolveCapacity({ gpus: 1 }, twoGpus);
  assert.deepEqual(one.gpuIndices, [0]);
  const none = resolveCapacity({}, noGpu);
  assert.equal(none.gpus, 0);
  assert.equal(none.cpus, availableParallelism());
});

test('declaring more than the machine has is an error naming the flag', () => {
  assert.throws(() => resolveCapacity({ cpus: availableParallelism() + 1 }, noGpu), /--cpus/);
  assert.throws(() => resolveCapacity({ memoryMiB: 10 ** 9 }, noGpu), /--memory-mib/);
  assert.throws(() => resolveCapacity({ gpus: 1 }, noGpu), /--gpus/);
  assert.throws(() => resolveCapacity({ cpuSet: [availableParallelism()] }, noGpu), /--cpu-set/);
});
