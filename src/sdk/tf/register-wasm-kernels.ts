// Registers the kernels Fairway adds to the wasm backend for training (once per process).
import { getKernel, registerKernel } from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterWasmConfig } from './conv2d-backprop-filter.ts';

const OURS = [conv2dBackpropFilterWasmConfig];

/** Names of the kernels we registered, for reports; a kernel tfjs itself provides later is left alone. */
export function registerWasmTrainingKernels(): string[] {
  const added: string[] = [];
  for (const config of OURS) {
    if (getKernel(config.kernelName, config.backendName)) continue;
    registerKernel(config);
    added.push(config.kernelName);
  }
  return added;
}
