// TensorFlow.js backend selection for training processes. tfjs-node cannot be installed here, so a job runs on the
// wasm backend (XNNPACK kernels, loaded from the .wasm files shipped inside node_modules — never fetched) with the
// pure-JS cpu backend as the fallback. The wasm backend lacks the kernels CNN training needs to compute filter
// gradients; ours are registered before the backend is first used (see ./conv2d-backprop-filter.ts).
import * as tf from '@tensorflow/tfjs-core';
// Gradients are registered apart from the ops; tfjs-core's node bundle lacks them and tfjs-layers' node bundle
// registers them (in the global registry), so importing layers is what makes tf.grad and training work.
import '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { FairwayError } from '../../core/util/errors.ts';
import { registerWasmTrainingKernels } from './register-wasm-kernels.ts';

export type BackendName = 'wasm' | 'cpu';
export const BACKEND_NAMES: readonly BackendName[] = ['wasm', 'cpu'];

export interface BackendInfo {
  /** The backend now active. */
  readonly name: BackendName;
  /** The one asked for (`auto` tries wasm, then cpu). */
  readonly requested: BackendName | 'auto';
  /** Why the active backend differs from the requested one, when it does. */
  readonly fallbackReason?: string;
  readonly wasmSimd?: boolean;
  readonly wasmThreads?: boolean;
  readonly tfjsVersion: string;
}

export class BackendUnavailableError extends FairwayError {
  constructor(name: string, reason: string) {
    super('backend_unavailable', `TensorFlow.js backend '${name}' is not available: ${reason}`, { name, reason });
  }
}

const require = createRequire(import.meta.url);

/** The folder holding tfjs-backend-wasm's .wasm binaries (with a trailing slash, as setWasmPaths wants). */
export function wasmBinariesDir(): string {
  const pkgDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  return join(pkgDir, 'dist') + '/';
}

let wasmPathsSet = false;

function prepareWasm(): void {
  if (wasmPathsSet) return;
  const dir = wasmBinariesDir();
  if (!existsSync(join(dir, 'tfjs-backend-wasm.wasm'))) {
    throw new BackendUnavailableError('wasm', `no tfjs-backend-wasm.wasm in ${dir}`);
  }
  setWasmPaths(dir);
  registerWasmTrainingKernels();
  wasmPathsSet = true;
}

/**
 * Activates a backend and reports which one runs. `auto` (the default) prefers wasm and falls back to cpu, saying
 * why; asking for a specific one fails loudly when it cannot start, so a benchmark never measures the wrong thing.
 */
export async function setupBackend(requested: BackendName | 'auto' = 'auto'): Promise<BackendInfo> {
  let fallbackReason: string | undefined;
  // PROD skips tfjs' debug-only checks and its "install tfjs-node" banner (which cannot be installed here).
  tf.env().set('PROD', true);
  if (requested === 'wasm' || requested === 'auto') {
    try {
      prepareWasm();
      if (!(await tf.setBackend('wasm'))) throw new BackendUnavailableError('wasm', 'tf.setBackend returned false');
      await tf.ready();
      return {
        name: 'wasm', requested, tfjsVersion: tf.version_core,
        wasmSimd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT') as boolean,
        wasmThreads: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT') as boolean,
      };
    } catch (err) {
      if (requested === 'wasm') {
        throw err instanceof BackendUnavailableError ? err : new BackendUnavailableError('wasm', String(err));
      }
      fallbackReason = `wasm failed: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  if (!(await tf.setBackend('cpu'))) throw new BackendUnavailableError('cpu', 'tf.setBackend returned false');
  await tf.ready();
  return { name: 'cpu', requested, tfjsVersion: tf.version_core, ...(fallbackReason ? { fallbackReason } : {}) };
}

export function parseBackendName(value: string): BackendName | 'auto' {
  if (value === 'auto' || (BACKEND_NAMES as readonly string[]).includes(value)) return value as BackendName | 'auto';
  throw new FairwayError('invalid_input', `unknown backend '${value}' (expected auto, wasm or cpu)`, { value });
}
