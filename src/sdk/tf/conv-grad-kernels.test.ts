// Our wasm Conv2DBackpropFilter and Conv2DBackpropInput against the cpu backend's reference kernels, on seeded
// random inputs over several shapes, strides, paddings and both data layouts; and the whole conv2d gradient (filter
// and input) through tf.grads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { setupBackend } from './backend.ts';
import { setConvGradChunkFloats } from './conv-layout.ts';
import { createRng } from '../../core/util/rng.ts';

interface Case {
  name: string;
  x: [number, number, number, number]; // NHWC
  filter: [number, number, number, number]; // HWIO
  strides: [number, number];
  pad: 'same' | 'valid';
}

const CASES: Case[] = [
  { name: '1x1 kernel, valid', x: [2, 5, 5, 3], filter: [1, 1, 3, 4], strides: [1, 1], pad: 'valid' },
  { name: '3x3 same', x: [2, 7, 7, 2], filter: [3, 3, 2, 5], strides: [1, 1], pad: 'same' },
  { name: '3x3 valid', x: [3, 8, 6, 4], filter: [3, 3, 4, 3], strides: [1, 1], pad: 'valid' },
  { name: '3x3 stride 2 same (odd size)', x: [2, 9, 9, 3], filter: [3, 3, 3, 4], strides: [2, 2], pad: 'same' },
  { name: '5x5 stride 2 valid', x: [1, 12, 11, 2], filter: [5, 5, 2, 6], strides: [2, 2], pad: 'valid' },
  { name: '2x4 kernel, strides 1x3, same', x: [2, 6, 10, 3], filter: [2, 4, 3, 2], strides: [1, 3], pad: 'same' },
];

function randomArray(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.next() * 2 - 1;
  return out;
}

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

function outShape(c: Case): [number, number, number, number] {
  const [n, h, w] = c.x;
  const [kh, kw, , co] = c.filter;
  const [sh, sw] = c.strides;
  const oh = c.pad === 'same' ? Math.ceil(h / sh) : Math.ceil((h - kh + 1) / sh);
  const ow = c.pad === 'same' ? Math.ceil(w / sw) : Math.ceil((w - kw + 1) / sw);
  return [n, oh, ow, co];
}

async function backpropFilter(backend: 'wasm' | 'cpu', c: Case, layout: 'NHWC' | 'NCHW', seed: number): Promise<Float32Array> {
  await setupBackend(backend);
  const dyShape = outShape(c);
  let x = tf.tensor4d(randomArray(size(c.x), seed), c.x);
  let dy = tf.tensor4d(randomArray(size(dyShape), seed + 1), dyShape);
  if (layout === 'NCHW') {
    x = tf.transpose(x, [0, 3, 1, 2]);
    dy = tf.transpose(dy, [0, 3, 1, 2]);
  }
  const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
    strides: c.strides, pad: c.pad, dataFormat: layout, dimRoundingMode: undefined, filterShape: c.filter,
  } as unknown as tf.NamedAttrMap) as tf.Tensor;
  const values = (await dw.data()) as Float32Array;
  tf.dispose([x, dy, dw]);
  return values;
}

function assertClose(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let maxAbs = 0;
  for (const v of expected) maxAbs = Math.max(maxAbs, Math.abs(v));
  for (let i = 0; i < expected.length; i++) {
    // float32 sums of up to a few thousand products: relative error well under 1e-4 of the largest magnitude.
    const tol = 1e-4 * Math.max(1, maxAbs);
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tol, `${what}[${i}]: wasm ${actual[i]} vs cpu ${expected[i]}`);
  }
}

test('wasm Conv2DBackpropFilter matches the cpu kernel (NHWC and NCHW)', async () => {
  let seed = 100;
  for (const c of CASES) {
    for (const layout of ['NHWC', 'NCHW'] as const) {
      seed += 2;
      const cpu = await backpropFilter('cpu', c, layout, seed);
      const wasm = await backpropFilter('wasm', c, layout, seed);
      assert.ok(cpu.some((v) => v !== 0), `${c.name}: reference gradient is not all zero`);
      assertClose(wasm, cpu, `${c.name} ${layout}`);
    }
  }
});

async function conv2dGrads(backend: 'wasm' | 'cpu', c: Case, seed: number): Promise<[Float32Array, Float32Array]> {
  await setupBackend(backend);
  const x = tf.tensor4d(randomArray(size(c.x), seed), c.x);
  const w = tf.tensor4d(randomArray(size(c.filter), seed + 1), c.filter);
  const weights = tf.tensor4d(randomArray(size(outShape(c)), seed + 2), outShape(c));
  // A weighted sum makes every output position's gradient distinct, so a misplaced patch cannot cancel out.
  const f = (xi: tf.Tensor, wi: tf.Tensor): tf.Scalar =>
    tf.sum(tf.mul(tf.conv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, c.strides, c.pad), weights));
  const [dx, dw] = tf.grads(f)([x, w]);
  const out: [Float32Array, Float32Array] = [(await dx!.data()) as Float32Array, (await dw!.data()) as Float32Array];
  tf.dispose([x, w, weights, dx!, dw!]);
  return out;
}

async function backpropInput(backend: 'wasm' | 'cpu', c: Case, layout: 'NHWC' | 'NCHW', seed: number): Promise<Float32Array> {
  await setupBackend(backend);
  const dyShape = outShape(c);
  let dy = tf.tensor4d(randomArray(size(dyShape), seed), dyShape);
  const filter = tf.tensor4d(randomArray(size(c.filter), seed + 1), c.filter);
  const [n, h, w, ch] = c.x;
  if (layout === 'NCHW') dy = tf.transpose(dy, [0, 3, 1, 2]);
  const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, {
    strides: c.strides, pad: c.pad, dataFormat: layout, dimRoundingMode: undefined,
    inputShape: layout === 'NHWC' ? [n, h, w, ch] : [n, ch, h, w],
  } as unknown as tf.NamedAttrMap) as tf.Tensor;
  const values = (await dx.data()) as Float32Array;
  tf.dispose([dy, filter, dx]);
  return values;
}

test('wasm Conv2DBackpropInput (ours) matches the cpu kernel (NHWC and NCHW)', async () => {
  let seed = 500;
  for (const c of CASES) {
    for (const layout of ['NHWC', 'NCHW'] as const) {
      seed += 2;
      const cpu = await backpropInput('cpu', c, layout, seed);
      const wasm = await backpropInput('wasm', c, layout, seed);
      assert.ok(cpu.some((v) => v !== 0), `${c.name}: reference gradient is not all zero`);
      assertClose(wasm, cpu, `${c.name} ${layout} dX`);
    }
  }
});

test('a batch split into chunks sums to the same gradient', async () => {
  const c: Case = { name: 'batch of 9 in chunks', x: [9, 10, 10, 3], filter: [3, 3, 3, 4], strides: [1, 1], pad: 'same' };
  // One image's patch matrix is 10·10 × 27 floats; a bound of 3 images per chunk leaves a partial last chunk.
  const previous = setConvGradChunkFloats(10 * 10 * 27 * 4 - 1);
  try {
    assertClose(await backpropFilter('wasm', c, 'NHWC', 7), await backpropFilter('cpu', c, 'NHWC', 7), `${c.name} dW`);
    assertClose(await backpropInput('wasm', c, 'NHWC', 9), await backpropInput('cpu', c, 'NHWC', 9), `${c.name} dX`);
  } finally {
    setConvGradChunkFloats(previous);
  }
});

test('conv2d gradients through tf.grads agree between wasm (with our kernel) and cpu', async () => {
  let seed = 900;
  for (const c of CASES) {
    seed += 3;
    const [cpuDx, cpuDw] = await conv2dGrads('cpu', c, seed);
    const [wasmDx, wasmDw] = await conv2dGrads('wasm', c, seed);
    assertClose(wasmDw, cpuDw, `${c.name} dW`);
    assertClose(wasmDx, cpuDx, `${c.name} dX`);
  }
});

test('the kernels leave no tensors or wasm buffers behind', async () => {
  await setupBackend('wasm');
  const c = CASES[3]!;
  await backpropFilter('wasm', c, 'NHWC', 1); // warm-up: the backend may allocate once
  await backpropInput('wasm', c, 'NHWC', 1);
  // The backend's own count of live buffers: temporaries a kernel forgets to dispose show up here.
  const beforeBuffers = tf.engine().backend.numDataIds();
  const beforeTensors = tf.memory().numTensors;
  await backpropFilter('wasm', c, 'NHWC', 2);
  await backpropInput('wasm', c, 'NHWC', 2);
  assert.equal(tf.memory().numTensors, beforeTensors);
  assert.equal(tf.engine().backend.numDataIds(), beforeBuffers);
});
