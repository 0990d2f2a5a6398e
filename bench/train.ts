// `npm run bench -- train [--json] [--steps N] [--batch N] [--all]`: training throughput (samples/s) per example
// model and backend, plus the conv-gradient kernels on the CIFAR-like CNN's largest layer: ours on wasm vs the
// one tfjs-backend-wasm ships (Conv2DBackpropInput) and vs the cpu backend. The cpu backend's CNN training is so
// slow (its Conv2DBackpropFilter is a direct loop) that the CIFAR-like CNN on cpu, and that kernel alone on cpu,
// run only with --all.
import * as tf from '@tensorflow/tfjs-core';
import type { TensorInfo, KernelConfig } from '@tensorflow/tfjs-core';
import { setupBackend, type BackendName } from '../src/sdk/tf/backend.ts';
import { shippedWasmKernel } from '../src/sdk/tf/register-wasm-kernels.ts';
import { loadTrainingData, type DatasetName } from '../src/sdk/datasets.ts';
import { mlpModel, cnnModel, cifarCnnModel } from '../examples/models.ts';
import type { ModelSpec } from '../src/sdk/trainer.ts';

interface ModelCase { spec: ModelSpec; dataset: DatasetName }
const MODELS: ModelCase[] = [
  { spec: mlpModel, dataset: 'fashion-mnist' },
  { spec: cnnModel, dataset: 'fashion-mnist' },
  { spec: cifarCnnModel, dataset: 'synthetic-cifar' },
];

function argValue(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  const v = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isFinite(v) || v < 1) throw new Error(`${name} needs a positive number`);
  return v;
}

async function trainThroughput(c: ModelCase, backend: BackendName, batch: number, steps: number): Promise<{ samplesPerS: number; msPerStep: number; steps: number }> {
  await setupBackend(backend);
  const data = await loadTrainingData(c.dataset, { trainLimit: batch * 4, testLimit: 1 });
  const model = c.spec.build(1, data.train.itemShape, data.classNames.length);
  const per = data.train.itemShape.reduce((a, b) => a * b, 1);
  const batches = [0, 1, 2, 3].map((i) => {
    const xs = tf.tensor(data.train.x.subarray(i * batch * per, (i + 1) * batch * per), [batch, ...data.train.itemShape]);
    const ys = tf.oneHot(tf.tensor1d(Int32Array.from(data.train.y.subarray(i * batch, (i + 1) * batch)), 'int32'), data.classNames.length);
    return [xs, ys] as const;
  });
  await model.trainOnBatch(batches[0]![0], batches[0]![1]); // warm-up: kernels set up, weights allocated
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) {
    const [xs, ys] = batches[s % batches.length]!;
    await model.trainOnBatch(xs, ys);
  }
  const ms = performance.now() - t0;
  for (const [xs, ys] of batches) tf.dispose([xs, ys]);
  model.optimizer.dispose();
  model.dispose();
  return { samplesPerS: (steps * batch) / (ms / 1000), msPerStep: ms / steps, steps };
}

/** One kernel call's time (median of `reps`), on the CIFAR-like CNN's second conv block: x [B,16,16,32], 3×3×32×32. */
async function kernelMs(kernel: 'Conv2DBackpropFilter' | 'Conv2DBackpropInput', backend: BackendName, batch: number, reps: number, impl?: KernelConfig): Promise<number> {
  await setupBackend(backend);
  // A replaced kernel was unregistered before the backend started, so its setup (binding the wasm function) is ours to run.
  impl?.setupFunc?.(tf.engine().backend);
  const x = tf.randomUniform([batch, 16, 16, 32]);
  const dy = tf.randomUniform([batch, 16, 16, 32]);
  const filter = tf.randomUniform([3, 3, 32, 32]);
  const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: [3, 3, 32, 32], inputShape: [batch, 16, 16, 32] };
  const inputs: tf.NamedTensorMap = kernel === 'Conv2DBackpropFilter' ? { x, dy } : { dy, filter };
  const once = (): void => {
    // (the first call below is a warm-up; with reps = 1 on cpu that doubles a slow kernel's cost, accepted)
    if (impl) {
      const backendImpl = tf.engine().backend;
      const out = impl.kernelFunc({ inputs: inputs as unknown as Record<string, TensorInfo>, backend: backendImpl, attrs: attrs as unknown as tf.NamedAttrMap }) as TensorInfo;
      backendImpl.disposeData(out.dataId);
    } else {
      const out = tf.engine().runKernel(kernel, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
      out.dataSync();
      out.dispose();
    }
  };
  once();
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    once();
    times.push(performance.now() - t0);
  }
  tf.dispose([x, dy, filter]);
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

export async function run(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const all = args.includes('--all');
  const batch = argValue(args, '--batch', 32);
  const steps = argValue(args, '--steps', 4);
  const results: { model: string; backend: BackendName; batch: number; steps: number; samplesPerS: number; msPerStep: number }[] = [];
  for (const c of MODELS) {
    for (const backend of ['wasm', 'cpu'] as const) {
      if (backend === 'cpu' && c.spec.name === 'cifar-cnn' && !all) continue;
      // The cpu backend's CNN steps take seconds each: time fewer of them.
      const n = backend === 'cpu' && c.spec.name !== 'mlp' ? 1 : steps;
      const r = await trainThroughput(c, backend, batch, n);
      results.push({ model: c.spec.name, backend, batch, ...r });
    }
  }
  const kernels: { kernel: string; impl: string; ms: number }[] = [];
  const reps = 5;
  kernels.push({ kernel: 'Conv2DBackpropFilter', impl: 'wasm (ours)', ms: await kernelMs('Conv2DBackpropFilter', 'wasm', batch, reps) });
  // The cpu backend's Conv2DBackpropFilter takes ~45 s per call at batch 32 here: only with --all.
  if (all) kernels.push({ kernel: 'Conv2DBackpropFilter', impl: 'cpu', ms: await kernelMs('Conv2DBackpropFilter', 'cpu', batch, 1) });
  kernels.push({ kernel: 'Conv2DBackpropInput', impl: 'wasm (ours)', ms: await kernelMs('Conv2DBackpropInput', 'wasm', batch, reps) });
  const shipped = shippedWasmKernel('Conv2DBackpropInput');
  if (shipped) kernels.push({ kernel: 'Conv2DBackpropInput', impl: 'wasm (shipped)', ms: await kernelMs('Conv2DBackpropInput', 'wasm', batch, reps, shipped) });
  kernels.push({ kernel: 'Conv2DBackpropInput', impl: 'cpu', ms: await kernelMs('Conv2DBackpropInput', 'cpu', batch, 2) });

  const sps = (m: string, b: BackendName): number | undefined => results.find((r) => r.model === m && r.backend === b)?.samplesPerS;
  const ratios: Record<string, number> = {};
  for (const m of ['mlp', 'cnn', 'cifar-cnn']) {
    const w = sps(m, 'wasm'), c = sps(m, 'cpu');
    if (w && c) ratios[`${m} wasm/cpu`] = w / c;
  }
  const k = (kernel: string, impl: string): number | undefined => kernels.find((x) => x.kernel === kernel && x.impl === impl)?.ms;
  const fOurs = k('Conv2DBackpropFilter', 'wasm (ours)'), fCpu = k('Conv2DBackpropFilter', 'cpu');
  const iOurs = k('Conv2DBackpropInput', 'wasm (ours)'), iShipped = k('Conv2DBackpropInput', 'wasm (shipped)'), iCpu = k('Conv2DBackpropInput', 'cpu');
  if (fOurs && fCpu) ratios['Conv2DBackpropFilter cpu/ours'] = fCpu / fOurs;
  if (iOurs && iShipped) ratios['Conv2DBackpropInput shipped/ours'] = iShipped / iOurs;
  if (iOurs && iCpu) ratios['Conv2DBackpropInput cpu/ours'] = iCpu / iOurs;

  if (json) {
    console.log(JSON.stringify({ bench: 'train', batch, results, kernels, ratios }));
    return;
  }
  console.log(`training throughput (batch ${batch}; synthetic-cifar is generated data)`);
  console.log('model       backend  steps  ms/step   samples/s');
  for (const r of results) {
    console.log(`${r.model.padEnd(11)} ${r.backend.padEnd(8)} ${String(r.steps).padStart(5)} ${r.msPerStep.toFixed(1).padStart(8)} ${r.samplesPerS.toFixed(1).padStart(11)}`);
  }
  console.log(`\nconv gradient kernels, x [${batch},16,16,32], filter 3x3x32x32, 'same' (median ms)`);
  for (const x of kernels) console.log(`${x.kernel.padEnd(22)} ${x.impl.padEnd(15)} ${x.ms.toFixed(1).padStart(9)}`);
  console.log('\nratios');
  for (const [name, v] of Object.entries(ratios)) console.log(`${name.padEnd(34)} ${v.toFixed(1)}x`);
}
