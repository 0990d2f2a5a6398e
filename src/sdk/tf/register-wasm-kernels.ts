// Registers the kernels Fairway adds to the wasm backend for training (once per process):
// - Conv2DBackpropFilter, which tfjs-backend-wasm 4.22 lacks (CNN training fails without it);
// - Conv2DBackpropInput, replacing the shipped direct loop with a faster matmul + col2im (see its file).
import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterWasmConfig } from './conv2d-backprop-filter.ts';
import { conv2dBackpropInputWasmConfig } from './conv2d-backprop-input.ts';

const ADDED: KernelConfig[] = [conv2dBackpropFilterWasmConfig];
const REPLACED: KernelConfig[] = [conv2dBackpropInputWasmConfig];

let done = false;
const shipped = new Map<string, KernelConfig>();

/** The wasm kernel tfjs shipped under a name we replaced (benchmarks compare against it). */
export function shippedWasmKernel(kernelName: string): KernelConfig | undefined {
  return shipped.get(kernelName);
}

/** Names of the kernels registered by this call (empty when already done). */
export function registerWasmTrainingKernels(): string[] {
  if (done) return [];
  done = true;
  const names: string[] = [];
  for (const config of ADDED) {
    // Should a later tfjs provide the kernel itself, keep its own.
    if (getKernel(config.kernelName, config.backendName)) continue;
    registerKernel(config);
    names.push(config.kernelName);
  }
  for (const config of REPLACED) {
    const original = getKernel(config.kernelName, config.backendName);
    if (original) {
      shipped.set(config.kernelName, original);
      unregisterKernel(config.kernelName, config.backendName);
    }
    registerKernel(config);
    names.push(config.kernelName);
  }
  return names;
}
