// What this node offers: CPUs and memory detected from the OS, GPUs from `nvidia-smi` when it is installed. A
// declared capacity may be smaller than the machine, so several agents can share one host (tests, `fairway up`).
import { spawnSync } from 'node:child_process';
import { availableParallelism, totalmem } from 'node:os';
import { InvalidInputError } from '../core/util/errors.ts';

export interface DetectedGpus {
  readonly count: number;
  readonly indices: readonly number[];
  /** How they were found, or why none were. */
  readonly note: string;
}

export function detectGpus(): DetectedGpus {
  const r = spawnSync('nvidia-smi', ['--query-gpu=index', '--format=csv,noheader'], { encoding: 'utf8', timeout: 10_000 });
  if (r.error) return { count: 0, indices: [], note: `no nvidia-smi (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})` };
  if (r.status !== 0) return { count: 0, indices: [], note: `nvidia-smi exited ${r.status}: ${r.stderr.trim().slice(0, 200)}` };
  const indices = r.stdout.split('\n').map((s) => s.trim()).filter((s) => /^\d+$/.test(s)).map(Number);
  return { count: indices.length, indices, note: `nvidia-smi: ${indices.length} GPU(s)` };
}

export interface NodeCapacity {
  readonly cpus: number;
  readonly memoryMiB: number;
  readonly gpus: number;
  /** Host CPU cores this agent may pin jobs to. */
  readonly cpuSet: readonly number[];
  readonly gpuIndices: readonly number[];
  readonly notes: readonly string[];
}

export interface CapacityRequest {
  readonly cpus?: number;
  readonly memoryMiB?: number;
  readonly gpus?: number;
  readonly cpuSet?: readonly number[];
}

/** Detected capacity, narrowed by what the operator declared; declaring more than the machine has is an error. */
export function resolveCapacity(req: CapacityRequest, detectGpu: () => DetectedGpus = detectGpus): NodeCapacity {
  const hostCpus = availableParallelism();
  const hostMiB = Math.floor(totalmem() / 2 ** 20);
  const notes: string[] = [];
  if (req.cpus !== undefined && (!(req.cpus > 0) || req.cpus > hostCpus)) {
    throw new InvalidInputError(`--cpus must be > 0 and at most the ${hostCpus} CPUs of this machine, got ${req.cpus}`, { field: 'cpus' });
  }
  if (req.memoryMiB !== undefined && (!Number.isInteger(req.memoryMiB) || req.memoryMiB <= 0 || req.memoryMiB > hostMiB)) {
    throw new InvalidInputError(`--memory-mib must be a positive integer up to the ${hostMiB} MiB of this machine, got ${req.memoryMiB}`, { field: 'memoryMiB' });
  }
  const gpus = req.gpus === 0 ? { count: 0, indices: [], note: 'GPUs disabled (--gpus 0)' } : detectGpu();
  notes.push(gpus.note);
  if (req.gpus !== undefined && (!Number.isInteger(req.gpus) || req.gpus < 0 || req.gpus > gpus.count)) {
    throw new InvalidInputError(`--gpus must be an integer from 0 to the ${gpus.count} GPU(s) found, got ${req.gpus}`, { field: 'gpus' });
  }
  const cpuSet = req.cpuSet ?? [...Array(hostCpus).keys()];
  for (const c of cpuSet) {
    if (!Number.isInteger(c) || c < 0 || c >= hostCpus) throw new InvalidInputError(`--cpu-set names CPU ${c}, but this machine has CPUs 0-${hostCpus - 1}`, { field: 'cpuSet' });
  }
  const gpuCount = req.gpus ?? gpus.count;
  return {
    cpus: req.cpus ?? cpuSet.length,
    memoryMiB: req.memoryMiB ?? hostMiB,
    gpus: gpuCount,
    cpuSet,
    gpuIndices: gpus.indices.slice(0, gpuCount),
    notes,
  };
}
